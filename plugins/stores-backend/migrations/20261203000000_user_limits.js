// @ts-check

/**
 * One row per user that the per-user limits lock, so that checking a quota and
 * recording the store happen as one step even when requests of a user race.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('stores_user_limits', table => {
    table.comment(
      'Per-user lock row for store quotas, and the dry-run count of the current window',
    );
    table.string('user_ref', 255).primary().notNullable();
    // A fixed window: it starts at the first dry run after the previous one ended.
    table.timestamp('dry_runs_window_started_at', { useTz: true }).nullable();
    table.integer('dry_runs_in_window').notNullable().defaultTo(0);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('stores_user_limits');
};
