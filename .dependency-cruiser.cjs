// Architecture rules of ARCHITECTURE.md, checked on every `npm test` (npm run lint).
// Matched as resolved (node_modules/x/…) and, should a package be missing, as the bare name.
const IO_AND_FRAMEWORKS =
  '(^|node_modules/)(typeorm|pg|pg-[^/]+|@electric-sql|bullmq|ioredis|redis|hono|@hono|inversify|pino|prom-client|@slack|botbuilder|@microsoft|imapflow|nodemailer|mailparser|mysql2|mariadb|express|yaml)(/|$)';

// An area's own tests may use core/src/testing (in-memory adapters, mothers) whatever the room rules;
// only-tests-import-testing keeps it out of production code.
const TESTING = '^core/src/testing/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-io-or-framework',
      comment: 'core/ holds the domain, ports and use cases: no framework, database, queue or chat SDK.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: IO_AND_FRAMEWORKS },
    },
    {
      name: 'core-imports-no-node-io',
      comment: 'core/ does no I/O of its own (crypto for digests and ids is allowed).',
      severity: 'error',
      from: { path: '^core/src/(?!testing/)', pathNot: '__tests__' },
      to: { dependencyTypes: ['core'], path: '^(fs|fs/promises|net|http|https|http2|dgram|child_process|cluster|worker_threads|tls|dns)$' },
    },
    {
      name: 'core-imports-no-plugin-or-app',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(plugins|apps)/' },
    },
    {
      name: 'plugin-imports-no-other-plugin',
      comment: 'A plugin depends on @switchboard/core only, never on another plugin.',
      severity: 'error',
      from: { path: '^plugins/([^/]+)/' },
      to: { path: '^plugins/', pathNot: '^plugins/$1/' },
    },
    {
      name: 'plugin-imports-no-app',
      severity: 'error',
      from: { path: '^plugins/' },
      to: { path: '^apps/' },
    },
    // The rooms of core (ARCHITECTURE.md): who may import whom. `testing/` may use everything.
    {
      name: 'shared-imports-no-area',
      comment: 'core/src/shared is the ground floor: it imports no area.',
      severity: 'error',
      from: { path: '^core/src/shared/' },
      to: { path: '^core/src/', pathNot: ['^core/src/shared/', TESTING] },
    },
    {
      name: 'ledger-imports-no-other-area',
      comment: 'The ledger imports no other area: routing may build on the ledger, never the reverse.',
      severity: 'error',
      from: { path: '^core/src/ledger/' },
      to: { path: '^core/src/', pathNot: ['^core/src/(ledger|shared)/', TESTING] },
    },
    {
      name: 'events-imports-only-shared',
      comment: 'The event log follows domain events (shared/events.ts); the outbox relay appends to it.',
      severity: 'error',
      from: { path: '^core/src/events/' },
      to: { path: '^core/src/', pathNot: ['^core/src/(events|shared)/', TESTING] },
    },
    {
      name: 'identity-and-access-import-only-shared',
      severity: 'error',
      from: { path: '^core/src/(identity|access)/' },
      to: { path: '^core/src/', pathNot: ['^core/src/shared/', '^core/src/$1/', TESTING] },
    },
    {
      name: 'routing-builds-only-on-ledger',
      comment: 'Only the orchestrators (inbound, desk, outbox, migration) reach across several areas.',
      severity: 'error',
      from: { path: '^core/src/routing/' },
      to: { path: '^core/src/', pathNot: ['^core/src/(routing|ledger|shared)/', TESTING] },
    },
    {
      name: 'delivery-builds-only-on-ledger-routing-ports-and-channels',
      severity: 'error',
      from: { path: '^core/src/delivery/' },
      to: { path: '^core/src/', pathNot: ['^core/src/(delivery|ledger|shared)/', '^core/src/routing/ports/', '^core/src/plugin-api/channel\\.port\\.ts$', TESTING] },
    },
    {
      name: 'store-assembles-only-ports',
      comment: 'store/ assembles the session ports each area declares, nothing else.',
      severity: 'error',
      from: { path: '^core/src/store/' },
      to: { path: '^core/src/', pathNot: ['^core/src/store/', '^core/src/shared/', '^core/src/[^/]+/ports/'] },
    },
    {
      name: 'plugin-api-exposes-ports-and-types-only',
      comment: 'What plugins see: ports, entity and value types, shared helpers; never a use case or an area\'s jobs.',
      severity: 'error',
      from: { path: '^core/src/plugin-api/' },
      to: { path: ['^core/src/[^/]+/use-cases/', '\\.jobs\\.ts$'] },
    },
    {
      name: 'portability-moves-rows-not-rules',
      comment: 'Export and restore carry rows exactly as stored, through their own port: no other area\'s use cases (which would apply domain rules) or jobs.',
      severity: 'error',
      from: { path: '^core/src/portability/' },
      to: { path: ['^core/src/(?!portability/)[^/]+/use-cases/', '\\.jobs\\.ts$'] },
    },
    {
      name: 'only-tests-import-testing',
      severity: 'error',
      from: { path: '^core/src/(?!testing/)', pathNot: '__tests__' },
      to: { path: '^core/src/testing/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(core|plugins|apps)/', pathNot: '__tests__' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], mainFields: ['module', 'main', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
