// The VS Code client for `ecsc lsp`. Plain JavaScript, so the extension
// needs no build step: `npm install` (for vscode-languageclient) is enough.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

function createClient() {
  const config = vscode.workspace.getConfiguration('ecsc');
  const command = config.get('path') || 'ecsc';
  const server = { command, args: ['lsp'] };
  return new LanguageClient(
    'ecsc',
    'ecsc',
    { run: server, debug: server },
    {
      documentSelector: [
        { scheme: 'file', language: 'ecs' },
        { scheme: 'untitled', language: 'ecs' },
      ],
    },
  );
}

async function start() {
  client = createClient();
  try {
    await client.start();
  } catch (error) {
    const path = vscode.workspace.getConfiguration('ecsc').get('path') || 'ecsc';
    vscode.window.showErrorMessage(
      `Could not start the ecsc language server (\`${path} lsp\`): ${error}. ` +
        'Install ecsc or set "ecsc.path".',
    );
  }
}

async function restart() {
  if (client) {
    await client.stop().catch(() => undefined);
  }
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('ecsc.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('ecsc.path')) {
        restart();
      }
    }),
  );
  await start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
