// Architecture rules of ARCHITECTURE.md, checked on every `npm test` (npm run lint).
// Matched as resolved (node_modules/x/…) and, should a package be missing, as the bare name.
const IO_AND_FRAMEWORKS =
  '(^|node_modules/)(typeorm|pg|pg-[^/]+|@electric-sql|bullmq|ioredis|redis|hono|@hono|inversify|pino|prom-client|@slack|botbuilder|@microsoft|imapflow|nodemailer|mailparser|mysql2|mariadb|express|yaml)(/|$)';

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
