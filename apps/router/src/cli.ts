#!/usr/bin/env node
/**
 * The `switchyard` command. Exit codes: 0 clean shutdown, 1 unexpected error, 2 invalid
 * settings or unreadable files, 3 the haproxy engine cannot run, 4 a listener or the engine
 * failed to start.
 */
import packageJson from '../package.json' with { type: 'json' };
import { EXIT_CODES, isRouterError } from './errors.ts';
import { createLogger } from './logger.ts';
import { startRouter } from './router.ts';
import { formatHelp, loadSettings, parseGlobalHeaderActions } from './settings.ts';

const VERSION: string = packageJson.version;

async function main(): Promise<void> {
  let loaded: ReturnType<typeof loadSettings>;
  try {
    loaded = loadSettings({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (isRouterError(error)) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      process.exit(EXIT_CODES[error.code]);
    }
    throw error;
  }
  if (loaded.action === 'help') {
    process.stdout.write(formatHelp());
    return;
  }
  if (loaded.action === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const { settings, ignoredEnv } = loaded;
  const { logger, format } = await createLogger({ level: settings.logLevel, format: settings.logFormat });
  if (ignoredEnv.length > 0) {
    logger.warn(
      { ignoredEnv },
      `OpenShift router settings that Switchyard does not implement are set and have no effect: ${ignoredEnv.join(', ')} (docs/migrating-from-openshift.md)`,
    );
  }
  for (const [setting, text] of [
    ['--http-request-headers (ROUTER_HTTP_REQUEST_HEADERS)', settings.httpRequestHeaders],
    ['--http-response-headers (ROUTER_HTTP_RESPONSE_HEADERS)', settings.httpResponseHeaders],
  ] as const) {
    const { skipped } = parseGlobalHeaderActions(text);
    if (skipped.length > 0)
      logger.warn(
        { setting, skipped },
        `${setting}: skipped ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} that are not 'name:value:Set' or 'name:Delete' (as OpenShift skips them): ${skipped.join(', ')}`,
      );
  }
  // The human summary goes to a terminal (pretty logs) or to whoever asked for the demo; JSON
  // log pipelines get the same facts as one structured log line.
  const print =
    format === 'pretty' || settings.demoBackends
      ? (text: string) => void process.stdout.write(text)
      : undefined;

  let router: Awaited<ReturnType<typeof startRouter>>;
  try {
    router = await startRouter({
      settings,
      logger,
      version: VERSION,
      ...(print === undefined ? {} : { print }),
    });
  } catch (error) {
    if (isRouterError(error)) {
      logger.fatal({ code: error.code, err: error.cause }, error.message);
      process.stderr.write(`switchyard: ${error.message}\n`);
      process.exit(EXIT_CODES[error.code]);
    }
    logger.fatal({ err: error }, 'switchyard failed to start');
    process.exit(1);
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now without draining');
      process.exit(1);
    }
    logger.info({ signal }, `received ${signal}`);
    router.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`switchyard: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
