import { describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import { stackSpec } from '../support/fixture-trees';
import { certificate, kubeconfig, planOf, sortedCopy } from './plan-test-specs';

// Expectations are written out from docs/kubeadm-pki.md (kubeadm's reference), not derived from src/plan.

const haPlan = (change?: Parameters<typeof stackSpec>[2]) => planPki(stackSpec('ha', 'RSA-2048', change));

const kubernetesDns = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

describe('certificates of the ha stack', () => {
  const plan = haPlan();

  it('are exactly the three CAs, seven certificates and four or five kubeconfigs per control-plane node, a kubelet.conf per worker and one per user', () => {
    const perControlPlane = (n: string) => [
      `${n}/apiserver`,
      `${n}/apiserver-kubelet-client`,
      `${n}/front-proxy-client`,
      `${n}/etcd/server`,
      `${n}/etcd/peer`,
      `${n}/etcd/healthcheck-client`,
      `${n}/apiserver-etcd-client`,
      `${n}/admin.conf`,
      `${n}/controller-manager.conf`,
      `${n}/scheduler.conf`,
      `${n}/kubelet.conf`,
    ];
    const expected = [
      'ca',
      'front-proxy-ca',
      'etcd-ca',
      ...perControlPlane('cp1'),
      'cp1/super-admin.conf', // only on the init node
      ...perControlPlane('cp2'),
      ...perControlPlane('cp3'),
      'w1/kubelet.conf',
      'w2/kubelet.conf',
      'w3/kubelet.conf',
      'users/alice.conf',
      'users/bob.conf',
      'users/carol.conf',
    ];
    expect(plan.certificates.map((c) => c.id)).toEqual(sortedCopy(expected));
    expect(plan.kubeconfigs.map((k) => k.id)).toEqual(sortedCopy(expected.filter((id) => id.endsWith('.conf'))));
  });

  it('CAs are self-signed, CN = their only DNS SAN, CA profile, 87600h', () => {
    for (const [id, cn] of [
      ['ca', 'kubernetes'],
      ['front-proxy-ca', 'front-proxy-ca'],
      ['etcd-ca', 'etcd-ca'],
    ] as const) {
      expect(certificate(plan, id)).toMatchObject({
        issuer: id,
        isCa: true,
        subject: { commonName: cn, organizations: [] },
        sans: { dnsNames: [cn], ipAddresses: [] },
        keyUsages: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
        extendedKeyUsages: [],
        validityHours: 87600,
      });
    }
  });

  it('leaves have the issuer, CN, O and EKU of the reference table, 8760h', () => {
    const table = [
      ['apiserver', 'ca', 'kube-apiserver', [], ['serverAuth']],
      ['apiserver-kubelet-client', 'ca', 'kube-apiserver-kubelet-client', ['kubeadm:cluster-admins'], ['clientAuth']],
      ['front-proxy-client', 'front-proxy-ca', 'front-proxy-client', [], ['clientAuth']],
      ['etcd/server', 'etcd-ca', 'cp2', [], ['serverAuth', 'clientAuth']],
      ['etcd/peer', 'etcd-ca', 'cp2', [], ['serverAuth', 'clientAuth']],
      ['etcd/healthcheck-client', 'etcd-ca', 'kube-etcd-healthcheck-client', [], ['clientAuth']],
      ['apiserver-etcd-client', 'etcd-ca', 'kube-apiserver-etcd-client', [], ['clientAuth']],
    ] as const;
    for (const [name, issuer, cn, o, eku] of table) {
      expect(certificate(plan, `cp2/${name}`), name).toMatchObject({
        name,
        node: 'cp2',
        issuer,
        isCa: false,
        subject: { commonName: cn, organizations: o },
        keyUsages: ['digitalSignature', 'keyEncipherment'],
        extendedKeyUsages: eku,
        validityHours: 8760,
        storage: 'pki',
      });
    }
  });

  it('kubeconfigs: user = CN, O, server and a context <user>@<clusterName>, client certificates signed by ca', () => {
    const endpoint = 'https://ha-api.example.internal:6443';
    const table = [
      ['cp1/admin.conf', 'kubernetes-admin', ['kubeadm:cluster-admins'], endpoint],
      ['cp1/super-admin.conf', 'kubernetes-super-admin', ['system:masters'], endpoint],
      ['cp2/kubelet.conf', 'system:node:cp2', ['system:nodes'], 'https://10.0.1.12:6443'],
      ['cp3/controller-manager.conf', 'system:kube-controller-manager', [], 'https://10.0.1.13:6443'],
      ['cp3/scheduler.conf', 'system:kube-scheduler', [], 'https://10.0.1.13:6443'],
      ['w2/kubelet.conf', 'system:node:w2', ['system:nodes'], endpoint],
      ['users/carol.conf', 'carol', ['sre', 'oncall', 'auditors'], endpoint],
    ] as const;
    for (const [id, user, o, server] of table) {
      // Node kubeconfigs keep kubeadm's names; a user's are scoped by the spec's name (ha), so files of several
      // clusters merge without one user entry shadowing another.
      const userName = id.startsWith('users/') ? `${user}@ha` : user;
      expect(kubeconfig(plan, id), id).toMatchObject({
        clusterName: 'ha',
        server,
        userName,
        contexts: [{ name: `${user}@ha` }],
        currentContext: `${user}@ha`,
      });
      expect(certificate(plan, id), id).toMatchObject({
        issuer: 'ca',
        subject: { commonName: user, organizations: o },
        extendedKeyUsages: ['clientAuth'],
        storage: 'kubeconfig',
      });
    }
  });

  it('apiserver SANs follow rule A: DNS sorted and deduplicated; IPs service IP, advertise address, then certSAN IPs', () => {
    expect(certificate(plan, 'cp1/apiserver').sans).toEqual({
      dnsNames: ['*.ha.example.com', 'api.ha.example.com', 'cp1', 'ha-api.example.internal', ...kubernetesDns],
      ipAddresses: ['10.96.0.1', '10.0.1.11', '192.168.50.10'],
    });
    expect(certificate(plan, 'cp3/apiserver').sans).toEqual({
      dnsNames: ['*.ha.example.com', 'api.ha.example.com', 'cp3', 'ha-api.example.internal', ...kubernetesDns],
      ipAddresses: ['10.96.0.1', '10.0.1.13', '192.168.50.10'],
    });
  });

  it('etcd server and peer SANs follow rule B', () => {
    for (const name of ['etcd/server', 'etcd/peer']) {
      expect(certificate(plan, `cp2/${name}`).sans).toEqual({
        dnsNames: ['cp2', 'localhost'],
        ipAddresses: ['10.0.1.12', '127.0.0.1', '::1'],
      });
    }
  });
});

describe('rule A in detail', () => {
  it('an IP endpoint comes after the advertise address and before certSAN IPs; duplicates keep their first place', () => {
    const plan = planOf({
      controlPlaneEndpoint: '192.168.50.10:6443',
      apiServer: {
        certSANs: [
          '172.16.0.9',
          'zz.example.com',
          '10.0.0.11',
          '192.168.50.10',
          'aa.example.com',
          'kubernetes',
          'cp1',
          '10.96.0.1',
          '172.16.0.5',
        ],
      },
    });
    expect(certificate(plan, 'cp1/apiserver').sans).toEqual({
      dnsNames: ['aa.example.com', 'cp1', ...kubernetesDns, 'zz.example.com'],
      ipAddresses: ['10.96.0.1', '10.0.0.11', '192.168.50.10', '172.16.0.9', '172.16.0.5'],
    });
  });

  it('a DNS endpoint is a DNS SAN with its port stripped; the dnsDomain shapes the last kubernetes name', () => {
    const plan = planOf({ controlPlaneEndpoint: 'api.corp.example:443', networking: { dnsDomain: 'corp.local' } });
    expect(certificate(plan, 'cp1/apiserver').sans).toEqual({
      dnsNames: [
        'api.corp.example',
        'cp1',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.corp.local',
      ],
      ipAddresses: ['10.96.0.1', '10.0.0.11'],
    });
    expect(plan.cluster.endpoint).toBe('https://api.corp.example:443');
  });

  it('the service IP is the first address of the first service CIDR', () => {
    const sansOf = (serviceSubnet: string) =>
      certificate(planOf({ networking: { serviceSubnet } }), 'cp1/apiserver').sans.ipAddresses;
    expect(sansOf('10.96.0.0/12,fd00::/108')).toEqual(['10.96.0.1', '10.0.0.11']);
    expect(sansOf('10.100.0.0/16')).toEqual(['10.100.0.1', '10.0.0.11']);
    expect(sansOf('fd00:10:96::/112,10.96.0.0/12')).toEqual(['fd00:10:96::1', '10.0.0.11']);
  });

  it('an IPv6 advertise address gives bracketed local endpoints and IPv6 SANs, deduplicated by canonical form', () => {
    const plan = planOf({
      controlPlane: [{ name: 'cp1', advertiseAddress: 'fd00::11' }],
      apiServer: { certSANs: ['fd00:0:0::11', 'fd00::99'] },
    });
    expect(certificate(plan, 'cp1/apiserver').sans.ipAddresses).toEqual(['10.96.0.1', 'fd00::11', 'fd00::99']);
    expect(certificate(plan, 'cp1/etcd/server').sans.ipAddresses).toEqual(['fd00::11', '127.0.0.1', '::1']);
    for (const id of ['cp1/controller-manager.conf', 'cp1/scheduler.conf', 'cp1/kubelet.conf', 'cp1/admin.conf']) {
      expect(kubeconfig(plan, id).server, id).toBe('https://[fd00::11]:6443');
    }
  });

  it('the bindPort is the port of local endpoints and of an endpoint written without one', () => {
    const plan = planOf({ controlPlaneEndpoint: 'api.example.com', apiServer: { bindPort: 8443 } });
    expect(kubeconfig(plan, 'cp1/scheduler.conf').server).toBe('https://10.0.0.11:8443');
    expect(kubeconfig(plan, 'cp1/admin.conf').server).toBe('https://api.example.com:8443');
  });

  it('without a controlPlaneEndpoint, kubeconfigs outside the control plane use the first control-plane node', () => {
    const plan = planOf({
      controlPlane: [
        { name: 'cp1', advertiseAddress: '10.0.0.11' },
        { name: 'cp2', advertiseAddress: '10.0.0.12' },
      ],
      workers: [{ name: 'w1' }],
    });
    expect(plan.cluster.endpoint).toBe('https://10.0.0.11:6443');
    expect(kubeconfig(plan, 'w1/kubelet.conf').server).toBe('https://10.0.0.11:6443');
    expect(kubeconfig(plan, 'cp2/admin.conf').server).toBe('https://10.0.0.11:6443');
    expect(kubeconfig(plan, 'cp2/scheduler.conf').server).toBe('https://10.0.0.12:6443');
  });
});

describe('rule B in detail', () => {
  it('serverCertSANs extend only etcd/server, peerCertSANs only etcd/peer', () => {
    const plan = planOf({
      etcd: {
        local: { serverCertSANs: ['etcd.example.com', '10.9.9.9'], peerCertSANs: ['peer.example.com', '127.0.0.1'] },
      },
    });
    expect(certificate(plan, 'cp1/etcd/server').sans).toEqual({
      dnsNames: ['cp1', 'etcd.example.com', 'localhost'],
      ipAddresses: ['10.0.0.11', '127.0.0.1', '::1', '10.9.9.9'],
    });
    expect(certificate(plan, 'cp1/etcd/peer').sans).toEqual({
      dnsNames: ['cp1', 'localhost', 'peer.example.com'],
      ipAddresses: ['10.0.0.11', '127.0.0.1', '::1'],
    });
  });
});

describe('version rules', () => {
  const versioned = (kubernetesVersion: string) => haPlan((s) => (s.spec.kubernetesVersion = kubernetesVersion));
  const organizationsOf = (plan: PkiPlan, id: string) => certificate(plan, id).subject.organizations;

  it('v1.28: admin.conf and apiserver-kubelet-client in system:masters, no super-admin.conf, etcd clients in system:masters', () => {
    const plan = versioned('v1.28.9');
    expect(organizationsOf(plan, 'cp1/admin.conf')).toEqual(['system:masters']);
    expect(organizationsOf(plan, 'cp1/apiserver-kubelet-client')).toEqual(['system:masters']);
    expect(plan.certificates.filter((c) => c.name === 'super-admin.conf')).toEqual([]);
    expect(plan.files.filter((f) => f.path.endsWith('super-admin.conf'))).toEqual([]);
    expect(organizationsOf(plan, 'cp2/apiserver-etcd-client')).toEqual(['system:masters']);
    expect(organizationsOf(plan, 'cp2/etcd/healthcheck-client')).toEqual(['system:masters']);
  });

  it('v1.29: kubeadm:cluster-admins, super-admin.conf (system:masters) on the first node only, etcd clients without O', () => {
    const plan = versioned('v1.29.0');
    expect(organizationsOf(plan, 'cp1/admin.conf')).toEqual(['kubeadm:cluster-admins']);
    expect(organizationsOf(plan, 'cp3/apiserver-kubelet-client')).toEqual(['kubeadm:cluster-admins']);
    expect(plan.files.filter((f) => f.path.endsWith('super-admin.conf')).map((f) => f.path)).toEqual([
      'cp1/super-admin.conf',
    ]);
    expect(organizationsOf(plan, 'cp1/super-admin.conf')).toEqual(['system:masters']);
    expect(organizationsOf(plan, 'cp2/apiserver-etcd-client')).toEqual([]);
    expect(organizationsOf(plan, 'cp2/etcd/healthcheck-client')).toEqual([]);
  });

  it('v1.32: a control-plane kubelet.conf points at the controlPlaneEndpoint', () => {
    const plan = versioned('v1.32.4');
    for (const n of ['cp1', 'cp2', 'cp3'])
      expect(kubeconfig(plan, `${n}/kubelet.conf`).server).toBe('https://ha-api.example.internal:6443');
  });

  it("v1.33: a control-plane kubelet.conf points at its node's own apiserver; workers keep the endpoint", () => {
    const plan = versioned('v1.33.0');
    expect(kubeconfig(plan, 'cp1/kubelet.conf').server).toBe('https://10.0.1.11:6443');
    expect(kubeconfig(plan, 'cp2/kubelet.conf').server).toBe('https://10.0.1.12:6443');
    expect(kubeconfig(plan, 'w1/kubelet.conf').server).toBe('https://ha-api.example.internal:6443');
  });
});

describe('external etcd', () => {
  const plan = haPlan((s) => (s.spec.etcd = { external: { endpoints: ['https://etcd-0.example.internal:2379'] } }));

  it('has no etcd CA, no etcd certificates and no apiserver-etcd-client', () => {
    expect(plan.cluster.etcd).toBe('external');
    const ids = plan.certificates.map((c) => c.id);
    expect(ids).not.toContain('etcd-ca');
    expect(ids.filter((id) => id.includes('etcd'))).toEqual([]);
    expect(plan.certificates.filter((c) => c.issuer === 'etcd-ca')).toEqual([]);
  });

  it('writes no etcd/ files and no apiserver-etcd-client files, and keeps everything else', () => {
    expect(plan.files.filter((f) => f.path.includes('/etcd/') || f.path.includes('apiserver-etcd-client'))).toEqual([]);
    const local = haPlan();
    const localOnly = local.files.map((f) => f.path).filter((p) => !plan.files.some((f) => f.path === p));
    expect(localOnly.every((p) => p.includes('/pki/etcd/') || p.includes('/pki/apiserver-etcd-client.'))).toBe(true);
    expect(localOnly).toHaveLength(
      3 * (2 /* etcd CA */ + 6 /* server, peer, healthcheck-client */ + 2) /* apiserver-etcd-client */,
    );
  });
});

describe('key algorithms', () => {
  it('RSA: keyEncipherment on every CA and leaf', () => {
    const plan = haPlan();
    for (const c of plan.certificates) expect(c.keyUsages, c.id).toContain('keyEncipherment');
    expect(new Set(plan.certificates.map((c) => c.algorithm))).toEqual(new Set(['RSA-2048']));
  });

  it('ECDSA: keyEncipherment nowhere (the kubeadm bug is not copied), every other usage kept', () => {
    const plan = planPki(stackSpec('ha', 'ECDSA-P256'));
    for (const c of plan.certificates) {
      expect(c.keyUsages, c.id).toEqual(c.isCa ? ['digitalSignature', 'keyCertSign'] : ['digitalSignature']);
      expect(c.algorithm).toBe('ECDSA-P256');
    }
    expect(plan.keyPairs).toEqual([{ id: 'sa', algorithm: 'ECDSA-P256' }]);
  });
});

describe('files', () => {
  const plan = haPlan();
  const filesOf = (dir: string) => plan.files.filter((f) => f.path.startsWith(`${dir}/`)).map((f) => f.path);

  it('workers get exactly pki/ca.crt, kubelet.conf and their kubeadm.yaml, so no key of the PKI but their own reaches them', () => {
    for (const w of ['w1', 'w2', 'w3'])
      expect(filesOf(w)).toEqual([`${w}/kubeadm.yaml`, `${w}/kubelet.conf`, `${w}/pki/ca.crt`]);
  });

  it('a control-plane node gets the CAs with keys, sa.key/sa.pub, its leaves, its kubeconfigs and its kubeadm.yaml', () => {
    const leaves = [
      'apiserver',
      'apiserver-etcd-client',
      'apiserver-kubelet-client',
      'front-proxy-client',
      'etcd/healthcheck-client',
      'etcd/peer',
      'etcd/server',
    ];
    const expected = (n: string, superAdmin: boolean) =>
      sortedCopy([
        ...[
          'admin.conf',
          'controller-manager.conf',
          'kubeadm.yaml',
          'kubelet.conf',
          'scheduler.conf',
          ...(superAdmin ? ['super-admin.conf'] : []),
        ].map((f) => `${n}/${f}`),
        ...['ca', 'front-proxy-ca', 'etcd/ca', ...leaves].flatMap((c) => [`${n}/pki/${c}.crt`, `${n}/pki/${c}.key`]),
        `${n}/pki/sa.key`,
        `${n}/pki/sa.pub`,
      ]);
    expect(filesOf('cp1')).toEqual(expected('cp1', true));
    expect(filesOf('cp2')).toEqual(expected('cp2', false));
  });

  it('user kubeconfigs go to users/<name>.conf', () => {
    expect(filesOf('users')).toEqual(['users/alice.conf', 'users/bob.conf', 'users/carol.conf']);
  });

  it('keys and kubeconfigs are 0600, certificates and public keys 0644', () => {
    for (const f of plan.files) {
      const expected = /\.(key|conf)$/.test(f.path) ? 0o600 : /\.(crt|pub)$/.test(f.path) ? 0o644 : undefined;
      if (expected !== undefined) expect(f.mode.toString(8), f.path).toBe(expected.toString(8));
    }
    const modes = new Map(plan.files.map((f) => [f.path, f.mode]));
    expect(modes.get('cp1/pki/ca.key')).toBe(0o600);
    expect(modes.get('cp1/pki/sa.pub')).toBe(0o644);
    expect(modes.get('users/alice.conf')).toBe(0o600);
    // They carry the bootstrap token.
    expect(modes.get('cp1/kubeadm.yaml')).toBe(0o600);
    expect(modes.get('bootstrap-token')).toBe(0o600);
    expect(modes.get('w1/pki/ca.crt')).toBe(0o644);
  });

  it('a file holds what its name says: .crt a certificate, .key its private key, .conf a kubeconfig', () => {
    for (const f of plan.files) {
      const kind = f.path.endsWith('.crt')
        ? 'certificate'
        : f.path.endsWith('.key')
          ? 'private-key'
          : f.path.endsWith('.pub')
            ? 'public-key'
            : f.path.endsWith('.conf')
              ? 'kubeconfig'
              : undefined;
      if (kind) expect(f.content.kind, f.path).toBe(kind);
    }
    expect(plan.files.find((f) => f.path === 'cp2/pki/etcd/ca.key')?.content).toEqual({
      kind: 'private-key',
      of: 'etcd-ca',
    });
    expect(plan.files.find((f) => f.path === 'cp2/pki/apiserver.crt')?.content).toEqual({
      kind: 'certificate',
      of: 'cp2/apiserver',
    });
  });
});

describe('validity', () => {
  it('CAs take caCertificateValidityPeriod, leaves certificateValidityPeriod, a user its own validityPeriod', () => {
    const plan = planOf({
      pki: { certificateValidityPeriod: '2160h', caCertificateValidityPeriod: '43800h' },
      users: [{ name: 'alice', validityPeriod: '720h' }, { name: 'bob' }],
    });
    expect(certificate(plan, 'ca').validityHours).toBe(43800);
    expect(certificate(plan, 'etcd-ca').validityHours).toBe(43800);
    expect(certificate(plan, 'cp1/apiserver').validityHours).toBe(2160);
    expect(certificate(plan, 'users/alice.conf').validityHours).toBe(720);
    expect(certificate(plan, 'users/bob.conf').validityHours).toBe(2160);
  });
});
