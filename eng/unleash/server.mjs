// Starts the real Unleash the end-to-end tests run against (eng/unleash.sh runs it with node).
// Everything comes from environment variables so nothing here is specific to one machine:
//   UNLEASH_DATABASE_URL  postgres://user@127.0.0.1:port/db (a throwaway cluster)
//   UNLEASH_PORT          the loopback port to listen on
//   UNLEASH_ADMIN_TOKEN   an admin API token, created at startup under the name 'release-guardian' so that
//                         every rollback it makes is recognisable in Unleash's event log (createdBy).
//   UNLEASH_OPERATOR_TOKEN  a second admin token, 'release-manager': the person whose changes are judged.
import { start, LogLevel } from 'unleash-server';

const token = process.env.UNLEASH_ADMIN_TOKEN;
const operator = process.env.UNLEASH_OPERATOR_TOKEN;
if (!process.env.UNLEASH_DATABASE_URL || !process.env.UNLEASH_PORT || !token || !operator) {
  console.error('UNLEASH_DATABASE_URL, UNLEASH_PORT, UNLEASH_ADMIN_TOKEN and UNLEASH_OPERATOR_TOKEN are required');
  process.exit(2);
}

await start({
  db: { connectionString: process.env.UNLEASH_DATABASE_URL, ssl: false, pool: { min: 0, max: 6 } },
  server: { host: '127.0.0.1', port: Number(process.env.UNLEASH_PORT), unleashUrl: `http://127.0.0.1:${process.env.UNLEASH_PORT}` },
  // Unleash 8 refuses webhook addons aimed at private or loopback addresses unless this is set.
  allowPrivateUrlInIntegration: true,
  authentication: {
    type: 'open-source',
    initApiTokens: [
      { environment: '*', projects: ['*'], secret: token, type: 'admin', tokenName: 'release-guardian' },
      { environment: '*', projects: ['*'], secret: operator, type: 'admin', tokenName: 'release-manager' },
    ],
  },
  logLevel: LogLevel.warn,
  versionCheck: { enable: false },
  // Keep the throwaway instance quiet and quick: no telemetry, no frontend metrics upload.
  sendTelemetry: false,
});
console.log('unleash started');
