/**
 * `kubepki expiry`: kubeadm's `certs check-expiration` tables and JSON, read from the files alone, on a tree issued
 * at a fixed clock so every date and residual time is exact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import { expiryReport, renderExpiryJson, renderExpiryText } from '../../src/verify';
import { formatExpiryDate, formatResidualTime } from '../../src/verify/render-expiry-report';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { copyTree } from './verify-test-trees';

const issuedAt = new Date('2026-01-01T00:00:00Z');
const now = new Date('2026-03-01T12:00:00Z');
let dir: string;
const made: string[] = [];

beforeAll(async () => {
  dir = temporaryDirectory('kubepki-expiry-');
  await realizeLocal(planPki(stackSpec('lab', 'ECDSA-P256')), dir, { now: issuedAt });
});
afterAll(() => {
  removeTree(dir);
  for (const d of made) removeTree(d);
});

describe('kubeadm certs check-expiration, from the files', () => {
  it('prints the two tables of a control-plane node exactly as kubeadm lays them out (no kubelet.conf row, %-8v padding)', () => {
    expect(renderExpiryText(expiryReport(path.join(dir, 'cp1'), { now }))).toBe(
      [
        'CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED',
        'admin.conf                 Jan 01, 2027 00:00 UTC   305d            ca                      no      ',
        'apiserver                  Jan 01, 2027 00:00 UTC   305d            ca                      no      ',
        'apiserver-etcd-client      Jan 01, 2027 00:00 UTC   305d            etcd-ca                 no      ',
        'apiserver-kubelet-client   Jan 01, 2027 00:00 UTC   305d            ca                      no      ',
        'controller-manager.conf    Jan 01, 2027 00:00 UTC   305d            ca                      no      ',
        'etcd-healthcheck-client    Jan 01, 2027 00:00 UTC   305d            etcd-ca                 no      ',
        'etcd-peer                  Jan 01, 2027 00:00 UTC   305d            etcd-ca                 no      ',
        'etcd-server                Jan 01, 2027 00:00 UTC   305d            etcd-ca                 no      ',
        'front-proxy-client         Jan 01, 2027 00:00 UTC   305d            front-proxy-ca          no      ',
        'scheduler.conf             Jan 01, 2027 00:00 UTC   305d            ca                      no      ',
        'super-admin.conf           Jan 01, 2027 00:00 UTC   305d            ca                      no      ',
        '',
        'CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED',
        'ca                      Dec 30, 2035 00:00 UTC   9y              no      ',
        'etcd-ca                 Dec 30, 2035 00:00 UTC   9y              no      ',
        'front-proxy-ca          Dec 30, 2035 00:00 UTC   9y              no      ',
        '',
      ].join('\n'),
    );
  });

  it('marks an absent CA key as external CA mode (and what it signed), and absent certificates as !MISSING!', () => {
    const copy = copyTree(dir);
    made.push(copy);
    fs.rmSync(path.join(copy, 'cp1/pki/ca.key'));
    fs.rmSync(path.join(copy, 'cp1/pki/front-proxy-client.crt'));
    const [node] = expiryReport(path.join(copy, 'cp1'), { now }).nodes;
    const row = (name: string) => node!.certificates.find((c) => c.name === name)!;
    expect(row('apiserver').externallyManaged).toBe(true);
    expect(row('admin.conf').externallyManaged).toBe(true);
    expect(row('etcd-server').externallyManaged).toBe(false);
    expect(node!.certificateAuthorities.find((c) => c.name === 'ca')!.externallyManaged).toBe(true);
    expect(row('front-proxy-client')).toMatchObject({ missing: true });
    // -o json (and yaml, rendered from it): kubeadm sets only Name and Missing on a missing row, and caName is omitempty.
    const json = JSON.parse(renderExpiryJson(expiryReport(path.join(copy, 'cp1'), { now }))) as {
      certificates: Record<string, unknown>[];
    };
    expect(json.certificates.find((c) => c.name === 'front-proxy-client')).toStrictEqual({
      name: 'front-proxy-client',
      expirationDate: null,
      residualTime: 0,
      externallyManaged: false,
      missing: true,
    });
    expect(json.certificates.find((c) => c.name === 'apiserver')).toMatchObject({ caName: 'ca', missing: false });
    const text = renderExpiryText(expiryReport(path.join(copy, 'cp1'), { now }));
    // kubeadm's `!MISSING! %s\t\t\t\t`: the empty cells are padded to their columns' widths too.
    expect(text).toContain('\n!MISSING! front-proxy-client   ' + ' '.repeat(25 + 16 + 24) + '\n');
    expect(text).toMatch(/\napiserver +Jan 01, 2027 00:00 UTC +305d +ca +yes {5}\n/);
  });

  it('reports a dangling symbolic link as one problem and still gives every table', () => {
    const copy = copyTree(dir);
    made.push(copy);
    fs.rmSync(path.join(copy, 'cp1/admin.conf'));
    fs.symlinkSync('/nonexistent/admin.conf', path.join(copy, 'cp1/admin.conf'));
    const report = expiryReport(copy, { now });
    expect(report.problems.map((p) => [p.id, p.file])).toEqual([['file.unreadable', 'cp1/admin.conf']]);
    expect(report.problems[0]!.message).toContain(
      'is a symbolic link to /nonexistent/admin.conf, which does not exist',
    );
    expect(report.nodes.map((n) => n.node)).toEqual(['cp1', 'users', 'w1']);
    const row = (name: string) => report.nodes[0]!.certificates.find((c) => c.name === name)!;
    expect(row('admin.conf')).toMatchObject({ missing: true });
    expect(row('apiserver')).toMatchObject({ missing: false });
  });

  it('gives kubeadm -o json (output.kubeadm.k8s.io/v1alpha3, four-space indent) for a node, and a List over a generated tree', () => {
    const singleText = renderExpiryJson(expiryReport(path.join(dir, 'cp1'), { now }));
    expect(
      singleText.startsWith(
        '{\n    "kind": "CertificateExpirationInfo",\n    "apiVersion": "output.kubeadm.k8s.io/v1alpha3",\n    "certificates": [\n',
      ),
    ).toBe(true);
    const single = JSON.parse(singleText);
    expect(single.certificates.map((c: { name: string }) => c.name)).not.toContain('kubelet.conf');
    expect(single).toMatchObject({ kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3' });
    expect(single.certificates.find((c: { name: string }) => c.name === 'apiserver')).toEqual({
      name: 'apiserver',
      expirationDate: '2027-01-01T00:00:00Z',
      residualTime: (Date.parse('2027-01-01T00:00:00Z') - now.getTime()) / 1000,
      externallyManaged: false,
      caName: 'ca',
      missing: false,
    });
    expect(single.certificateAuthorities.map((c: { name: string; caName?: string }) => [c.name, c.caName])).toEqual([
      ['ca', undefined],
      ['etcd-ca', undefined],
      ['front-proxy-ca', undefined],
    ]);
    const list = JSON.parse(renderExpiryJson(expiryReport(dir, { now })));
    expect(list.kind).toBe('List');
    expect(list.items.map((i: { node: string }) => i.node)).toEqual(['cp1', 'users', 'w1']);
    expect(list.items[1].certificates.map((c: { name: string }) => c.name)).toEqual(['alice.conf']);
    expect(list.items[2].certificates.map((c: { name: string }) => c.name)).toEqual(['kubelet.conf']);
  });

  it('sections a generated tree by node directory', () => {
    const text = renderExpiryText(expiryReport(dir, { now }));
    expect(text.split('\n').filter((l) => l.startsWith('['))).toEqual(['[cp1]', '[users]', '[w1]']);
  });

  it("formats dates and residual times as kubeadm (Go's layout, apimachinery's ShortHumanDuration)", () => {
    expect(formatExpiryDate(new Date('2026-08-19T09:03:59Z'))).toBe('Aug 19, 2026 09:03 UTC');
    expect(
      [-120, -1, 0, 59, 60, 3599, 3600, 86399, 86400, 364 * 86400, 365 * 86400, 10 * 365 * 86400].map(
        formatResidualTime,
      ),
    ).toEqual(['<invalid>', '0s', '0s', '59s', '1m', '59m', '1h', '23h', '1d', '364d', '1y', '10y']);
  });
});
