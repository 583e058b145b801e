import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';
import { ensureBuilt } from '../cli/built-package';
import { describeRun, runKubepki } from './access-cli';

// `kubepki token` mints only for service accounts the spec declares, unless told otherwise.

const team = path.join(repoRoot, 'stacks/team.cluster.yaml');
let root: string;
let pki: string;
beforeAll(async () => {
  ensureBuilt();
  root = temporaryDirectory('kubepki-token-declared-');
  const run = await runKubepki(['generate', team, '--out', root, '--quiet']);
  if (run.status !== 0) throw new Error(describeRun(run));
  pki = path.join(root, 'cp1');
});
afterAll(() => removeTree(root));

describe('token --service-account and the spec', () => {
  it('a declared account (ci/deployer in the team spec) is minted', async () => {
    const run = await runKubepki(['token', '--pki', pki, '--service-account', 'ci/deployer', '--spec', team]);
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('an undeclared account (ci/nosuch) is refused with exit 2, naming the declared ones; nothing on stdout', async () => {
    const run = await runKubepki(['token', '--pki', pki, '--service-account', 'ci/nosuch', '--spec', team]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `--service-account ci/nosuch is not declared in ${team} (spec.serviceAccounts: ci/deployer, project-swan/secret-reader): add it there, or pass --allow-undeclared`,
    );
  });

  it('key material pasted as an argument never reaches stderr', async () => {
    const body = 'MHcCAQEEIBkzWGc2Tz8pQ2t0a2V5bWF0ZXJpYWxub3RyZWFsbHlhbmtleW9rYXk0oAoGCCqGSM49AwEHoUQDQgAE';
    const run = await runKubepki(['token', '--pki', pki, '--service-account', `ci/${body}`, '--spec', team]);
    expect(run.status).toBe(2);
    expect(run.stderr).not.toContain(body.slice(0, 16));
    expect(run.stderr).toContain('(key material, not shown)');
  });

  it('without --spec the account cannot be checked: refused unless --allow-undeclared', async () => {
    const refused = await runKubepki(['token', '--pki', pki, '--service-account', 'ci/nosuch']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('pass --spec <spec>');
    const allowed = await runKubepki(['token', '--pki', pki, '--service-account', 'ci/nosuch', '--allow-undeclared']);
    expect(allowed.status, describeRun(allowed)).toBe(0);
  });
});
