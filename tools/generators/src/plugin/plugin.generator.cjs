// @ts-check
// Plain CommonJS: nx loads generators with require(), and this workspace has no TypeScript
// transpiler for nx (tsx runs the apps; nx would need ts-node or @swc-node).
const { generateFiles, joinPathFragments, names, offsetFromRoot, updateJson } = require('@nx/devkit');

/** @typedef {'channel' | 'desk' | 'crm' | 'legacy'} Kind */
/** @typedef {{ name: string; kind: Kind; directory?: string }} PluginGeneratorOptions */

/** The port each kind implements, which also names the adapter class (`<Name><Port>`). */
const PORTS = /** @type {const} */ ({ channel: 'Channel', desk: 'AgentDesk', crm: 'CrmConnector', legacy: 'LegacySource' });
/** The member of the plugin instance that carries the adapter. */
const MEMBERS = /** @type {const} */ ({ channel: 'channel', desk: 'desk', crm: 'crm', legacy: 'legacy' });
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * `npx nx g @switchboard/tools:plugin fax --kind channel` → plugins/channel-fax: a package that
 * default-exports definePlugin({...}), an adapter `FaxChannel`, its tests and an example config.
 * @param {import('@nx/devkit').Tree} tree
 * @param {PluginGeneratorOptions} options
 */
async function pluginGenerator(tree, options) {
  const { name, kind } = options;
  if (!NAME.test(name)) throw new Error(`name: '${name}' is not kebab-case ([a-z][a-z0-9]*, joined by '-')`);
  if (!(kind in PORTS)) throw new Error(`kind: expected one of ${Object.keys(PORTS).join(', ')}, got '${kind}'`);
  const fileBase = `${kind}-${name}`;
  const directory = options.directory ?? joinPathFragments('plugins', fileBase);
  if (tree.exists(joinPathFragments(directory, 'package.json'))) throw new Error(`${directory} already holds a package`);

  const n = names(name);
  const port = PORTS[kind];
  const adapterClass = `${n.className}${port}`;
  const substitutions = {
    tmpl: '',
    name,
    kind,
    port,
    member: MEMBERS[kind],
    fileBase,
    directory,
    className: n.className,
    propertyName: n.propertyName,
    displayName: `${n.className.replace(/([a-z0-9])([A-Z])/g, '$1 $2')} ${kind}`,
    packageName: `@switchboard/${fileBase}`,
    adapterClass,
    adapterFile: names(adapterClass).fileName,
    envVar: `${n.constantName}_API_KEY`,
    offset: offsetFromRoot(directory),
  };
  generateFiles(tree, joinPathFragments(__dirname, 'files'), directory, substitutions);
  generateFiles(tree, joinPathFragments(__dirname, 'kinds', kind), directory, substitutions);

  // `npm run typecheck` builds every project the root tsconfig lists.
  if (tree.exists('tsconfig.json')) {
    updateJson(tree, 'tsconfig.json', (json) => {
      const references = Array.isArray(json.references) ? json.references : [];
      if (!references.some((/** @type {{ path: string }} */ r) => r.path === directory)) references.push({ path: directory });
      return { ...json, references };
    });
  }

  return () => {
    process.stdout.write(
      [
        '',
        `Created ${directory} (${substitutions.packageName}): ${adapterClass} implements ${port}.`,
        `  test:   npx vitest run ${directory}`,
        `  run it: ${substitutions.envVar}=dev-secret SWITCHBOARD_CONFIG=${directory}/switchboard.example.yaml npm start`,
        '',
      ].join('\n'),
    );
  };
}

module.exports = pluginGenerator;
module.exports.default = pluginGenerator;
module.exports.pluginGenerator = pluginGenerator;
