// Kubernetes Secrets and ConfigMaps as `kubectl get secret -o yaml` (or -o json) prints them: one object, a List
// of them, or several YAML documents. Each key is read like a file of a folder named after the object
// (`secret.yaml#secret/my-tls/tls.crt`), so tls.key pairs with tls.crt as key files pair with their certificate.
// `data` and `binaryData` are base64; `stringData` and a ConfigMap's `data` are text. Never throws.
import {parseAllDocuments} from 'yaml';

/** One key of one object: the path it is read under and its bytes. */
export type ObjectEntry = {readonly path: string; readonly bytes: Uint8Array};

export type ObjectsResult = {
	/** The keys, each with the path it is shown under. */
	readonly entries: ObjectEntry[];
	/** How many Secrets and ConfigMaps were found (0: the text is not one). */
	objects: number;
	/** Values that could not be decoded: `path: why`. */
	readonly problems: Array<{path: string; error: string}>;
};

const kindLine = /^\s*"?kind"?\s*:\s*"?(Secret|ConfigMap|List)"?\s*,?\s*$/m;

/** A cheap test before parsing: a `kind: Secret`, `ConfigMap` or `List` line. */
export function looksLikeKubernetesObject(text: string): boolean {
	return kindLine.test(text);
}

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/** The Secrets and ConfigMaps in `text` (YAML or JSON, one or many documents, or a List), key by key. */
export function kubernetesObjects(file: string, text: string): ObjectsResult {
	const result: ObjectsResult = {entries: [], objects: 0, problems: []};
	let documents: unknown[];
	try {
		// The yaml package caps alias expansion, as for kubeconfigs.
		documents = parseAllDocuments(text, {prettyErrors: false})
			.filter(document => document.errors.length === 0)
			.map(document => document.toJS() as unknown);
	} catch {
		return result;
	}

	const objects = documents.flatMap(document => (isRecord(document) && document.kind === 'List' && Array.isArray(document.items) ? document.items : [document]));
	for (const object of objects) {
		if (!isRecord(object) || (object.kind !== 'Secret' && object.kind !== 'ConfigMap')) continue;
		result.objects++;
		const metadata = isRecord(object.metadata) ? object.metadata : {};
		const name = typeof metadata.name === 'string' && metadata.name ? metadata.name : '(no name)';
		const folder = `${file}#${object.kind.toLowerCase()}/${name}`;
		const base64Fields = object.kind === 'Secret' ? ['data'] : ['binaryData'];
		const textFields = object.kind === 'Secret' ? ['stringData'] : ['data'];
		for (const field of [...base64Fields, ...textFields]) {
			const values = object[field];
			if (!isRecord(values)) continue;
			for (const [key, value] of Object.entries(values)) {
				const at = `${folder}/${key}`;
				if (typeof value !== 'string') {
					result.problems.push({path: at, error: `${field}.${key} is not a string`});
					continue;
				}

				if (base64Fields.includes(field)) {
					const compact = value.replace(/\s+/g, '');
					if (!/^[A-Za-z\d+/]*={0,2}$/.test(compact)) {
						result.problems.push({path: at, error: `${field}.${key} is not base64`});
						continue;
					}

					result.entries.push({path: at, bytes: Buffer.from(compact, 'base64')});
				} else {
					result.entries.push({path: at, bytes: Buffer.from(value, 'utf8')});
				}
			}
		}
	}

	return result;
}
