// The extension without VS Code: `extension.js` runs against stand-ins for
// the `vscode` API and for `LanguageClient` (which would start a process),
// and the manifest is checked against the files and names the code uses.
// Run with `node --test tests/` (test.sh does).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { test } = require('node:test');

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Loads extension.js with fresh stand-ins; returns what they recorded. */
function load({ ecscPath = undefined, startFails = false } = {}) {
  const seen = { clients: [], commands: {}, errors: [], configListeners: [] };
  const vscode = {
    workspace: {
      getConfiguration: (section) => ({
        get: (key) => (section === 'ecsc' && key === 'path' ? ecscPath : undefined),
      }),
      onDidChangeConfiguration: (listener) => {
        seen.configListeners.push(listener);
        return { dispose() {} };
      },
    },
    commands: {
      registerCommand: (name, handler) => {
        seen.commands[name] = handler;
        return { dispose() {} };
      },
    },
    window: { showErrorMessage: (message) => seen.errors.push(message) },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions, started: 0, stopped: 0 });
      seen.clients.push(this);
    }
    async start() {
      this.started += 1;
      if (startFails) {
        throw new Error('spawn ecsc ENOENT');
      }
    }
    async stop() {
      this.stopped += 1;
    }
  }
  const stubs = { vscode, 'vscode-languageclient/node': { LanguageClient } };
  const originalLoad = Module._load;
  Module._load = function (request, parent, isMain) {
    return request in stubs ? stubs[request] : originalLoad.call(this, request, parent, isMain);
  };
  try {
    const file = path.join(root, manifest.main);
    delete require.cache[require.resolve(file)];
    return { extension: require(file), seen };
  } finally {
    Module._load = originalLoad;
  }
}

const context = () => ({ subscriptions: [] });

test('activate starts `ecsc lsp` for ecs documents', async () => {
  const { extension, seen } = load();
  const ctx = context();
  await extension.activate(ctx);
  assert.equal(seen.clients.length, 1);
  const client = seen.clients[0];
  assert.equal(client.started, 1);
  assert.deepEqual(client.serverOptions.run, { command: 'ecsc', args: ['lsp'] });
  assert.deepEqual(client.serverOptions.debug, client.serverOptions.run);
  const languages = client.clientOptions.documentSelector.map((s) => s.language);
  assert.deepEqual([...new Set(languages)], ['ecs']);
  assert.equal(ctx.subscriptions.length, 2);
  assert.deepEqual(seen.errors, []);
});

test('ecsc.path is used, and changing it restarts the server', async () => {
  const { extension, seen } = load({ ecscPath: '/opt/ecsc/bin/ecsc' });
  await extension.activate(context());
  assert.equal(seen.clients[0].serverOptions.run.command, '/opt/ecsc/bin/ecsc');
  const [listener] = seen.configListeners;
  listener({ affectsConfiguration: (key) => key === 'ecsc.trace.server' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.clients.length, 1, 'an unrelated setting does not restart');
  listener({ affectsConfiguration: (key) => key === 'ecsc.path' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.clients[0].stopped, 1);
  assert.equal(seen.clients.length, 2);
  assert.equal(seen.clients[1].started, 1);
});

test('the restart command and deactivate stop the client', async () => {
  const { extension, seen } = load();
  await extension.activate(context());
  await seen.commands['ecsc.restartServer']();
  assert.equal(seen.clients[0].stopped, 1);
  assert.equal(seen.clients.length, 2);
  await extension.deactivate();
  assert.equal(seen.clients[1].stopped, 1);
});

test('a server that cannot start is reported, not thrown', async () => {
  const { extension, seen } = load({ startFails: true });
  await extension.activate(context());
  assert.equal(seen.errors.length, 1);
  assert.match(seen.errors[0], /ecsc lsp/);
  assert.match(seen.errors[0], /ENOENT/);
});

test('the manifest names files that exist and the commands and settings the code uses', () => {
  const contributes = manifest.contributes;
  for (const file of [
    manifest.main,
    ...contributes.languages.map((l) => l.configuration),
    ...contributes.grammars.map((g) => g.path),
  ]) {
    assert.ok(fs.existsSync(path.join(root, file)), `${file} is missing`);
  }
  const language = contributes.languages.find((l) => l.id === 'ecs');
  assert.deepEqual(language.extensions, ['.ecs']);
  const grammar = contributes.grammars.find((g) => g.language === 'ecs');
  const tmLanguage = JSON.parse(fs.readFileSync(path.join(root, grammar.path), 'utf8'));
  assert.equal(tmLanguage.scopeName, grammar.scopeName);
  assert.deepEqual(manifest.activationEvents, ['onLanguage:ecs']);
  const { extension, seen } = load();
  assert.equal(typeof extension.activate, 'function');
  return extension.activate(context()).then(() => {
    const declared = contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(Object.keys(seen.commands).sort(), declared);
    assert.ok('ecsc.path' in contributes.configuration.properties);
    assert.ok('ecsc.trace.server' in contributes.configuration.properties);
  });
});

test('the language configuration is valid JSON with the comment tokens of the grammar', () => {
  const configuration = JSON.parse(
    fs.readFileSync(path.join(root, 'language-configuration.json'), 'utf8'),
  );
  assert.equal(configuration.comments.lineComment, '//');
  assert.deepEqual(configuration.comments.blockComment, ['/*', '*/']);
});

test('the language client is installed at the pinned version', () => {
  const installed = require('vscode-languageclient/package.json').version;
  assert.equal(installed, manifest.dependencies['vscode-languageclient']);
});
