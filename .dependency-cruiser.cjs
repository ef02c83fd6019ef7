/**
 * The layers, checked by `npm run lint` (dependency-cruiser): no import cycle between files, and
 * every folder imports only from the folders below it, so there is no cycle between folders
 * either. docs/architecture.md explains the layers. Tests compose layers on purpose and are left
 * out of the folder rules (not of the cycle rule).
 */
const APP = '(domain|cards|bot|functions|manifest)/';
const notTests = '\\.test\\.ts$';

/** A rule: files under `from` (not tests) must not import anything under `to`. */
const layer = (name, comment, from, to) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, pathNot: notTests },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle between files.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    // The app: domain ← cards ← bot ← functions (the composition root); manifest reads the domain.
    layer(
      'domain-is-pure',
      'The domain imports nothing of the project.',
      '^domain/',
      `^(?!domain/)(${APP}|host/|bench/|test/)`,
    ),
    layer(
      'cards-on-domain',
      'Cards know the domain only.',
      '^cards/',
      '^(bot|functions|manifest|host|bench|test)/',
    ),
    layer(
      'bot-on-cards-and-domain',
      'The bot gets what it needs from the function app (bot/ports.ts).',
      '^bot/',
      '^(functions|manifest|host|bench)/',
    ),
    layer(
      'manifest-on-domain',
      'The manifest build reads the command table.',
      '^manifest/',
      '^(bot|functions|host|bench)/',
    ),
    layer(
      'app-without-host',
      'The app deploys to Azure without the embedded host.',
      `^${APP}`,
      '^(host|bench)/',
    ),
    // Inside the function app: platform, storage ← alerts ← approvals ← http ← patterns ← index.ts.
    layer(
      'functions-root-on-top',
      'Only the composition root imports functions/index.ts.',
      '^functions/[^/]+/',
      '^functions/[^/]+\\.ts$',
    ),
    layer(
      'functions-platform',
      'platform/ is the bottom of the function app.',
      '^functions/platform/',
      '^functions/(storage|alerts|approvals|http|patterns)/',
    ),
    layer(
      'functions-storage',
      'storage/ is the bottom of the function app.',
      '^functions/storage/',
      '^functions/(platform|alerts|approvals|http|patterns)/',
    ),
    layer(
      'functions-alerts',
      'alerts/ sits on storage.',
      '^functions/alerts/',
      '^functions/(approvals|http|patterns)/',
    ),
    layer(
      'functions-approvals',
      'approvals/ sits on alerts and storage.',
      '^functions/approvals/',
      '^functions/(http|patterns)/',
    ),
    layer('functions-http', 'http/ serves approvals and alerts.', '^functions/http/', '^functions/patterns/'),
    // The host: common ← runtime, auth ← durable ← bindings ← http ← the root (wiring); it knows no app.
    layer('host-knows-no-app', 'The host runs any function app.', '^host/', `^(${APP}|bench/)`),
    layer(
      'host-root-on-top',
      'Only the wiring imports the host root.',
      '^host/(?!bin/)[^/]+/',
      '^host/[^/]+\\.ts$',
    ),
    layer('host-common', 'common/ is the bottom of the host.', '^host/common/', '^host/(?!common/)[^/]+/'),
    layer(
      'host-runtime',
      'runtime/ sits on common.',
      '^host/runtime/',
      '^host/(auth|durable|bindings|http|dashboard)/',
    ),
    layer(
      'host-auth',
      'auth/ sits on common.',
      '^host/auth/',
      '^host/(runtime|durable|bindings|http|dashboard)/',
    ),
    layer(
      'host-durable',
      'durable/ sits on runtime and common.',
      '^host/durable/',
      '^host/(auth|bindings|http|dashboard)/',
    ),
    layer(
      'host-bindings',
      'bindings/ (storage bindings, queue and timer triggers) sits on durable, runtime and common.',
      '^host/bindings/',
      '^host/(auth|http|dashboard)/',
    ),
    layer('host-dashboard', 'The dashboard serves itself.', '^host/dashboard/', '^host/(?!dashboard/)[^/]+/'),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|fixtures)/' },
  },
};
