import { stat, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { type EchoServer, makeTempDir, type TempDir, startHttpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyProcess, type RenderOptions, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM, PKI } from './fixtures/fourteen.ts';
import { route, table } from './fixtures/routes.ts';
import { liveOptions, whoAnswers } from './helpers.ts';

describe('HaproxyProcess (real HAProxy, master-worker)', () => {
  let tmp: TempDir;
  let a: EchoServer;
  let b: EchoServer;
  let proc: HaproxyProcess;
  let opts: RenderOptions;
  let busy: Server;

  const tableWith = (routes: { name: string; host: string; echo: EchoServer }[]) =>
    table(
      routes.map((r) =>
        route({
          name: r.name,
          host: r.host,
          services: [{ name: r.name, servers: [{ ip: '127.0.0.1', port: r.echo.port, pod: `${r.name}-0` }] }],
          ...(r.name === 'tls'
            ? { termination: 'edge' as const, tls: { certificate: PKI.edge.cert, key: PKI.edge.key } }
            : {}),
        }),
      ),
    );

  beforeAll(async () => {
    tmp = await makeTempDir('hrp');
    a = await startHttpEcho({ name: 'a' });
    b = await startHttpEcho({ name: 'b' });
    opts = await liveOptions(tmp.path);
    proc = new HaproxyProcess({ workingDir: tmp.path, stopTimeoutMs: 5_000 });
    await proc.start(renderHaproxyConfig(tableWith([{ name: 'a', host: 'a.test', echo: a }]), opts));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  });

  afterAll(async () => {
    await proc?.stop({ timeoutMs: 2_000 });
    await a?.close();
    await b?.close();
    await new Promise<void>((r) => busy.close(() => r()));
    await tmp?.cleanup();
  });

  it('serves the first configuration from a master-worker HAProxy', async () => {
    expect(proc.running).toBe(true);
    const info = await proc.showProc();
    expect(info.masterPid).toBe(proc.pid);
    expect(info.workers).toHaveLength(1);
    expect(await whoAnswers(opts.httpPort as number, 'a.test', '/')).toBe('a');
    expect(await whoAnswers(opts.httpPort as number, 'b.test', '/')).toBe('status:503');
  });

  it('reloads through the master CLI: new route live, same master, reload counter +1', async () => {
    const before = await proc.showProc();
    const outcome = await proc.apply(
      renderHaproxyConfig(
        tableWith([
          { name: 'a', host: 'a.test', echo: a },
          { name: 'b', host: 'b.test', echo: b },
        ]),
        opts,
      ),
    );
    expect(outcome.ok).toBe(true);
    const after = await proc.showProc();
    expect(after.masterPid).toBe(before.masterPid);
    expect(after.reloads).toBe(before.reloads + 1);
    expect(await whoAnswers(opts.httpPort as number, 'b.test', '/')).toBe('b');
  });

  it('refuses a configuration haproxy -c rejects, restores the files and keeps serving', async () => {
    const good = await readFile(proc.configPath, 'utf8');
    const before = await proc.showProc();
    const render = renderHaproxyConfig(tableWith([{ name: 'a', host: 'a.test', echo: a }]), opts);
    const broken = {
      ...render,
      files: { ...render.files, 'haproxy.config': `${render.files['haproxy.config']}  bogus-directive\n` },
    };
    const outcome = await proc.apply(broken);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.stage).toBe('validate');
      expect(outcome.output).toContain('bogus-directive');
    }
    expect(await readFile(proc.configPath, 'utf8')).toBe(good);
    expect((await proc.showProc()).reloads).toBe(before.reloads);
    expect(await whoAnswers(opts.httpPort as number, 'b.test', '/')).toBe('b');
  });

  it('reports a reload HAProxy refuses (port in use) and keeps the running configuration', async () => {
    const port = (busy.address() as { port: number }).port;
    const outcome = await proc.apply(
      renderHaproxyConfig(tableWith([{ name: 'a', host: 'a.test', echo: a }]), { ...opts, statsPort: port }),
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.stage).toBe('reload');
    // The worker of the previous configuration still routes b.test.
    expect(await whoAnswers(opts.httpPort as number, 'b.test', '/')).toBe('b');
    // A good configuration afterwards reloads fine.
    const again = await proc.apply(
      renderHaproxyConfig(
        tableWith([
          { name: 'a', host: 'a.test', echo: a },
          { name: 'b', host: 'b.test', echo: b },
        ]),
        opts,
      ),
    );
    expect(again.ok).toBe(true);
  });

  it('writes private keys with mode 0600 and leaves no temporary files', async () => {
    const outcome = await proc.apply(
      renderHaproxyConfig(
        tableWith([
          { name: 'a', host: 'a.test', echo: a },
          { name: 'tls', host: 'edge.fixture.test', echo: b },
        ]),
        opts,
      ),
    );
    expect(outcome.ok).toBe(true);
    for (const f of ['certs/default.pem', 'certs/ns:tls.pem']) {
      expect(((await stat(join(tmp.path, f))).mode & 0o777).toString(8)).toBe('600');
    }
    expect(((await stat(join(tmp.path, 'haproxy.config'))).mode & 0o777).toString(8)).toBe('644');
    const all = [...(await readdir(tmp.path)), ...(await readdir(join(tmp.path, 'certs')))];
    expect(all.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('stops gracefully (master and workers exit)', async () => {
    const info = await proc.showProc();
    await proc.stop({ timeoutMs: 5_000 });
    expect(proc.running).toBe(false);
    for (const w of [...info.workers, ...info.oldWorkers]) {
      expect(() => process.kill(w.pid, 0)).toThrow();
    }
  });
});

describe('HaproxyProcess reports an unexpected exit', () => {
  it('calls onExit when the master dies on its own, not on stop()', async () => {
    const tmp = await makeTempDir('hrx');
    const exits: (string | null)[] = [];
    const proc = new HaproxyProcess({ workingDir: tmp.path, onExit: (_code, signal) => exits.push(signal) });
    try {
      await proc.start(renderHaproxyConfig(table([]), await liveOptions(tmp.path, { maxConnections: 100 })));
      process.kill(proc.pid as number, 'SIGKILL');
      for (let i = 0; i < 200 && proc.running; i++) await new Promise((r) => setTimeout(r, 10));
      expect(proc.running).toBe(false);
      expect(exits).toEqual(['SIGKILL']);
    } finally {
      await proc.stop({ timeoutMs: 1_000 });
      // The killed master's worker notices its master is gone and exits; give it a moment.
      await new Promise((r) => setTimeout(r, 200));
      await tmp.cleanup();
    }
  });
});

describe('HaproxyProcess without an HAProxy binary', () => {
  it('says so with ERR_HAPROXY_RENDERER_SPAWN_FAILED', async () => {
    const tmp = await makeTempDir('hrn');
    const proc = new HaproxyProcess({ workingDir: tmp.path, binary: '/nonexistent/haproxy' });
    try {
      const error = await proc
        .start(renderHaproxyConfig(table([]), { workingDir: tmp.path, defaultCertificate: DEFAULT_PEM }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ code: 'ERR_HAPROXY_RENDERER_SPAWN_FAILED' });
      expect((error as Error).message).toContain('/nonexistent/haproxy: not found');
      expect(proc.running).toBe(false);
    } finally {
      await tmp.cleanup();
    }
  });
});
