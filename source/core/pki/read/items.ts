// What the loader makes of the files it reads: the item types every reader returns, and the few helpers they share.
import type {ParsedKubeconfig} from '../../kubeconfig.js';
import type {ManifestFileEntry} from '../../manifest.js';
import type {CertInfo} from '../cert-info.js';
import type {KubernetesMeaning, KubernetesRole} from '../meaning.js';
import type {CsrInfo, ParsedCertificate} from '../parse-der.js';

export type ItemKind = 'certificate' | 'private-key' | 'csr' | 'public-key' | 'kubeconfig' | 'unreadable';

/** A kubeconfig's outline: enough to show it and to lint its references. */
export type KubeconfigOutline = {
	readonly currentContext: string | null;
	readonly contexts: ReadonlyArray<{name: string; cluster: string; user: string}>;
	/** `certificateAuthority`: the file a cluster names instead of embedding its CA (as written in the kubeconfig). */
	readonly clusters: ReadonlyArray<{name: string; server: string | null; certificateAuthority?: string; insecureSkipTlsVerify?: boolean}>;
	/** `clientCertificate`, `clientKey`: the files a user names instead of embedding them. */
	readonly users: ReadonlyArray<{name: string; auth: string; clientCertificate?: string; clientKey?: string}>;
};

/** One thing found in a file. Fields not relevant to the kind are absent. */
export type Item = {
	/** The file, as given plus the path inside a given folder. */
	readonly path: string;
	readonly kind: ItemKind;
	/** `pem`, `der`, or `kubeconfig:<where>` (e.g. `kubeconfig:users[admin].client-certificate-data`). */
	readonly source: string;
	/** 1-based position of the PEM block, when the file has more than one. */
	readonly block?: number;
	readonly cert?: CertInfo & {readonly hasBasicConstraints: boolean};
	readonly csr?: CsrInfo;
	/** The key of a private-key or public-key item. */
	readonly publicKey?: CertInfo['publicKey'];
	/** A private key behind a passphrase: kubepki cannot look inside, and no Kubernetes component can either. */
	readonly encrypted?: boolean;
	readonly kubernetes?: KubernetesMeaning;
	readonly kubeconfig?: KubeconfigOutline;
	/** Why an unreadable item could not be read: one line. */
	readonly error?: string;
	/**
	 * For a kubeconfig field that names a file (`client-certificate: <file>`, source
	 * `kubeconfig:users[admin].client-certificate`): that file, relative paths taken from the kubeconfig's folder.
	 */
	readonly referenced?: string;
	/** File mode bits (0o644): key-permissions needs them. */
	readonly mode?: number;
	/** Raw material for the chain and key checks; never printed. Holds no private key material. */
	readonly raw?: {
		readonly der?: Uint8Array;
		readonly subjectDer?: Uint8Array;
		readonly issuerDer?: Uint8Array;
		/** SubjectPublicKeyInfo (for a private key: of its public half). */
		readonly spki?: Uint8Array;
		readonly parsedKubeconfig?: ParsedKubeconfig;
		/** The signed part of a certificate, its signature and the signature algorithm's OID. */
		readonly signed?: ParsedCertificate['signed'];
	};
};

/** What kubepki wrote next to a PKI (its manifest): the cluster it was made for. */
export type FolderManifest = {
	readonly dir: string;
	readonly cluster: unknown;
	readonly serviceIp?: string;
	readonly roles: ReadonlyMap<string, KubernetesRole>;
	/** Every file the manifest lists, with its digest (lint compares them with the folder). */
	readonly files?: readonly ManifestFileEntry[];
	/** The plan id of each file the manifest lists (absolute path → `kubelet:node1`, `apiserver`, ...). */
	readonly certIds: ReadonlyMap<string, string>;
	/** `hardway` or `kubeadm`, when the manifest says. */
	readonly layout?: string;
};

/** A file that was read whole: its digest and mode (lint compares copies, and files with their manifest). */
export type FileDigest = {readonly path: string; readonly sha256: string; readonly mode: number};
/** A folder the walk entered: its mode and owner (lint flags one anyone can write). */
export type FolderInfo = {readonly path: string; readonly mode: number; readonly uid: number};

export type LoadResult = {
	readonly items: Item[];
	readonly manifests: FolderManifest[];
	readonly files?: readonly FileDigest[];
	readonly folders?: readonly FolderInfo[];
};

/** Reads one file's bytes into items (the loader's `parseBytes`): handed to the readers that find files inside files. */
export type ParseBytes = (file: string, bytes: Uint8Array) => Item[];

/**
 * An unreadable item that is a broken PKI part (a PEM block, DER file or kubeconfig field that does not parse,
 * or a file kubepki may not read), as opposed to a file that never held one: a unit, a script, a YAML config.
 */
export function isBroken(item: Item): boolean {
	return item.kind === 'unreadable' && (item.source === 'pem' || item.source === 'der' || item.source === 'object' || item.source.startsWith('kubeconfig:') || item.error === 'permission denied');
}

export const unreadable = (file: string, error: string, source = 'file', mode?: number): Item => ({path: file, kind: 'unreadable', source, error, ...(mode === undefined ? {} : {mode})});

export function oneLine(text: string): string {
	const first = text.split('\n')[0] ?? '';
	return first.length > 160 ? `${first.slice(0, 160)}…` : first;
}

/** A parser's error as one line. */
export function reason(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	// Node's crypto errors are long and name OpenSSL internals; the first clause is what matters.
	return oneLine(message.replace(/^error:[\dA-F]+:/i, ''));
}
