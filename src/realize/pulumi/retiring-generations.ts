import * as fs from 'node:fs';
import * as path from 'node:path';

// What a rotation's leaving generation keeps as the state has it, and how the program reads the tree the previous
// `pulumi up` wrote (the rotation stage it left is read from the files, as generate reads it).

/** PrivateKey inputs that would replace a key of the generation a rotation is replacing (its algorithm may change). */
export const retiringKeyInputs = ['algorithm', 'rsaBits', 'ecdsaCurve'];
/** SelfSignedCert inputs a rotation may change (a new lifetime, usages of a new algorithm) for the new generation only. */
export const retiringCaInputs = ['validityPeriodHours', 'allowedUses'];
/** A released generation is kept exactly as the state holds it: only its protection changes. */
export const everyCaInput = [
  'privateKeyPem',
  'subject',
  'dnsNames',
  'ipAddresses',
  'validityPeriodHours',
  'allowedUses',
  'isCaCertificate',
  'setSubjectKeyId',
];

/** Reads a file of the output directory (what the previous `pulumi up` wrote); undefined when it is not there. */
export function treeReader(outDir: string): (rel: string) => string | undefined {
  return (rel) => {
    try {
      return fs.readFileSync(path.join(outDir, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
}
