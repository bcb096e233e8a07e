/**
 * The MCP servers the MCP tests run: the official reference servers (dev dependencies) and the
 * misbehaving ones of test/mcp-bad-servers, as FLIGHTDECK_MCP_SERVERS entries, and the reference
 * "everything" server over Streamable HTTP as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const node = process.execPath;
const referenceServer = (name: string) => require.resolve(`@modelcontextprotocol/server-${name}/dist/index.js`);
const badServer = (file: string) => join(__dirname, 'mcp-bad-servers', file);

/** A stdio server of ours, run as the docs say: `node --import tsx <file> [args]`. */
export const tsxServer = (file: string, ...args: string[]) => ({ command: node, args: ['--import', 'tsx', badServer(file), ...args] });

export const referenceStdioServers = (dirs: { files: string; memoryFile: string }) => ({
  everything: { command: node, args: [referenceServer('everything')] },
  fs: { command: node, args: [referenceServer('filesystem'), dirs.files] },
  memory: { command: node, args: [referenceServer('memory')], env: { MEMORY_FILE_PATH: dirs.memoryFile } },
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The reference "everything" server in its Streamable HTTP mode, on a free port; `url` is its MCP endpoint. */
export async function startEverythingHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(node, [referenceServer('everything'), 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`the everything server did not listen within 20 s: ${stderr}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the everything server exited (${code}): ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
