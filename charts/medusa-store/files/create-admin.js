// Creates the store's admin user: a Medusa user with an e-mail/password identity, what
// `medusa user -e <email> -p <password>` does, except that the password comes from a file (the
// mounted Secret, ADMIN_PASSWORD_FILE) instead of the command line, where any process on the
// node could read it. Run by migrate.sh as `medusa exec /scripts/create-admin.js`, which boots
// the Medusa container and calls the default export.
'use strict';

const fs = require('fs');

// the registration names of Medusa's user and auth modules (Modules.USER, Modules.AUTH)
const USER_MODULE = 'user';
const AUTH_MODULE = 'auth';

async function createAdmin({ container }) {
  const email = process.env.ADMIN_EMAIL;
  const passwordFile = process.env.ADMIN_PASSWORD_FILE;
  if (!email || !passwordFile) {
    throw new Error('ADMIN_EMAIL and ADMIN_PASSWORD_FILE must be set');
  }
  const password = fs.readFileSync(passwordFile, 'utf8');
  if (!password) throw new Error(`no admin password in ${passwordFile}`);

  const users = container.resolve(USER_MODULE);
  const auth = container.resolve(AUTH_MODULE);
  const user = await users.createUsers({ email });
  const { authIdentity, error } = await auth.register('emailpass', {
    body: { email, password },
  });
  if (error || !authIdentity) {
    throw new Error(`could not register the admin identity: ${error}`);
  }
  await auth.updateAuthIdentities({
    id: authIdentity.id,
    app_metadata: { user_id: user.id },
  });
  console.log(`[create-admin] admin user ${email} created`);
}

module.exports = { default: createAdmin };
