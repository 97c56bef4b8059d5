// @ts-check

/**
 * A ready store whose workloads stop being available is degraded: the reconciler
 * records why and since when, and clears both when they recover.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('stores', table => {
    table
      .text('degraded_reason')
      .nullable()
      .comment("Why a ready store's workloads are not all available; null when they are");
    table
      .timestamp('degraded_since', { useTz: true })
      .nullable()
      .comment('When the store was first seen degraded this time');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('stores', table => {
    table.dropColumn('degraded_reason');
    table.dropColumn('degraded_since');
  });
};
