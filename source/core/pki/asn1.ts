// What issuing encodes with @peculiar/asn1-x509 and @peculiar/asn1-schema, the ASN.1 packages @peculiar/x509 is
// built on: the subject name and each extension, encoded as x509's Name and extension classes encode them (same
// schema objects, same choices), without loading x509 itself (tsyringe, reflect-metadata and its CMS, PKCS and
// CSR packages: about twice the code to load, and none of it used to issue). test/core/issue-tbs.test.ts holds the
// certificates made from these to X509CertificateGenerator's.
import {AsnConvert, OctetString} from '@peculiar/asn1-schema';
import {
	AttributeTypeAndValue,
	AuthorityKeyIdentifier,
	BasicConstraints,
	ExtendedKeyUsage,
	Extension,
	GeneralName,
	GeneralNames,
	id_ce_authorityKeyIdentifier,
	id_ce_basicConstraints,
	id_ce_extKeyUsage,
	id_ce_keyUsage,
	id_ce_subjectAltName,
	id_ce_subjectKeyIdentifier,
	KeyIdentifier,
	KeyUsage,
	Name,
	RelativeDistinguishedName,
	SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';

const der = (value: unknown) => Buffer.from(AsnConvert.serialize(value));

/** The bits of keyUsage, numbered as RFC 5280 (and x509's KeyUsageFlags) number them. */
export const keyUsageFlags = {digitalSignature: 1, keyEncipherment: 4, keyCertSign: 32, cRLSign: 64} as const;

/** Extended key usages kubepki puts in certificates, by their names in the plan. */
const extendedKeyUsages: Record<string, string> = {serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2'};

// x509's Name: O and CN by OID, PrintableString when the value allows it, else UTF8String (E and DC aside, which
// kubepki never writes); the value first unquoted and unescaped as x509 does it.
const nameOids: Record<string, string> = {CN: '2.5.4.3', O: '2.5.4.10'};
const printable = /^[A-Za-z0-9 '()+,-./:=?]*$/;
function unescaped(value: string): string {
	const quoted = /"(.*?[^\\])?"/.exec(value);
	const inner = quoted ? (quoted[1] ?? '') : value;
	return inner
		.replaceAll(/\\0a/gi, '\n')
		.replaceAll(/\\0d/gi, '\r')
		.replaceAll(/\\0g/gi, '\t')
		.replaceAll(/\\(.)/g, '$1');
}

/** A distinguished name of one attribute per RDN, in order, e.g. [['O', 'system:masters'], ['CN', 'admin']]. */
export function nameDer(attributes: ReadonlyArray<readonly ['O' | 'CN', string]>): Buffer {
	const name = new Name(
		attributes.map(([type, raw]) => {
			const attribute = new AttributeTypeAndValue({type: nameOids[type]!});
			const value = unescaped(raw);
			if (printable.test(value)) attribute.value.printableString = value;
			else attribute.value.utf8String = value;
			return new RelativeDistinguishedName([attribute]);
		}),
	);
	return der(name);
}

function extension(id: string, critical: boolean, value: unknown): Buffer {
	return der(new Extension({extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value))}));
}

export function basicConstraints(ca: boolean): Buffer {
	return extension(id_ce_basicConstraints, true, new BasicConstraints({cA: ca}));
}

export function keyUsage(flags: number): Buffer {
	return extension(id_ce_keyUsage, true, new KeyUsage(flags));
}

export function extendedKeyUsage(usages: readonly string[]): Buffer {
	return extension(
		id_ce_extKeyUsage,
		false,
		new ExtendedKeyUsage(
			usages.map(usage => {
				const oid = extendedKeyUsages[usage];
				if (!oid) throw new Error(`bug: no OID for the extended key usage ${usage}`);
				return oid;
			}),
		),
	);
}

export function subjectAltNames(sans: ReadonlyArray<{readonly type: 'dns' | 'ip'; readonly value: string}>): Buffer {
	return extension(id_ce_subjectAltName, false, new GeneralNames(sans.map(san => new GeneralName(san.type === 'dns' ? {dNSName: san.value} : {iPAddress: san.value}))));
}

export function subjectKeyIdentifier(keyIdHex: string): Buffer {
	return extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(Uint8Array.from(Buffer.from(keyIdHex, 'hex')).buffer));
}

export function authorityKeyIdentifier(keyIdHex: string): Buffer {
	return extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({keyIdentifier: new KeyIdentifier(Uint8Array.from(Buffer.from(keyIdHex, 'hex')).buffer)}));
}
