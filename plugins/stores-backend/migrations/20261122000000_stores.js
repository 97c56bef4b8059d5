// @ts-check

/**
 * The stores and their timelines.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('stores', table => {
    table.comment(
      'Every store the portal was asked for, deleted ones kept as history',
    );
    table.string('id', 36).primary().notNullable();
    table.string('name', 63).notNullable();
    // Equal to `name` while the store is not deleted, NULL afterwards: the unique
    // index below makes names unique among live stores on SQLite and PostgreSQL alike.
    table.string('active_name', 63).nullable().unique();
    table.string('engine', 63).notNullable();
    table.string('owner', 255).notNullable();
    table.string('requested_by', 255).notNullable();
    table.string('plan', 32).notNullable();
    table.string('cluster', 255).notNullable();
    table.string('namespace', 63).notNullable();
    table.string('status', 32).notNullable();
    table.text('status_reason').nullable();
    table.text('storefront_url').nullable();
    table.text('admin_url').nullable();
    table.string('chart_version', 64).nullable();
    table.integer('generation').notNullable().defaultTo(1);
    table.integer('observed_generation').notNullable().defaultTo(0);
    table.string('idempotency_key', 255).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    // When the store entered its status; the reconciler fails work stuck past a timeout.
    table.timestamp('status_changed_at', { useTz: true }).notNullable();
    // The backend instance working on the store and until when; an expired lease
    // means the worker died and the reconciler resumes the work.
    table.string('lease_owner', 255).nullable();
    table.timestamp('lease_expires_at', { useTz: true }).nullable();
    table.timestamp('ready_at', { useTz: true }).nullable();
    table.timestamp('deleted_at', { useTz: true }).nullable();
    table.unique(['requested_by', 'idempotency_key']);
    table.index(['status'], 'stores_status_idx');
    table.index(['owner'], 'stores_owner_idx');
  });

  await knex.schema.createTable('store_events', table => {
    table.comment('The timeline of each store');
    table.bigIncrements('id').primary();
    table
      .string('store_id', 36)
      .notNullable()
      .references('id')
      .inTable('stores')
      .onDelete('CASCADE');
    table.string('type', 64).notNullable();
    table.text('message').notNullable();
    table.integer('duration_ms').nullable();
    table.text('detail').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['store_id'], 'store_events_store_id_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('store_events');
  await knex.schema.dropTable('stores');
};
