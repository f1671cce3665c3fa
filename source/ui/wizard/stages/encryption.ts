import {encryptionCommands} from '../../../core/by-hand.js';
import {encryptionProviders, type EncryptionProvider} from '../../../core/encryption.js';
import {encryptionConfigName} from '../../../core/placement.js';
import {textLines, type Line} from '../../widgets/lines.js';
import type {StageDef} from '../stage-def.js';
import type {Item} from '../state.js';
import {continueItem, none} from './common.js';

/** The trade-offs, in one line each (reference §5). */
const notes: Record<EncryptionProvider, string> = {
	aescbc: 'AES-CBC: the guide\'s choice; kept for compatibility, no longer recommended (padding oracle)',
	secretbox: 'XSalsa20-Poly1305: the default, the better choice among local-key providers',
	aesgcm: 'AES-GCM: fast, but the key must be rotated before 2^32 writes (automated rotation only)',
};

export const encryptionStage = {
	id: 'encryption',
	title: 'Encryption at rest',
	short: 'Encryption',
	produces: none,
	items(state) {
		// A new provider changes the encryption config: the files Review decided are decided again.
		const options = encryptionProviders.map(
			(p): Item => ({kind: 'option', id: `encryption:${p}`, label: p, selected: state.encryption === p, note: notes[p], choose: current => ({...current, encryption: p, write: {phase: 'idle'}})}),
		);
		return [...options, continueItem];
	},
	body(state, width) {
		const lines: Line[] = [
			...textLines('KMS v2 (an external key service) is what upstream recommends; kubepki writes a local key, so pick among these.', width, 'muted'),
			{text: ''},
			{text: `${encryptionConfigName} (0600, the same on every master):`, bold: true},
			{text: 'apiVersion: apiserver.config.k8s.io/v1'},
			{text: 'kind: EncryptionConfiguration'},
			{text: 'resources:'},
			{text: '- resources: [secrets]'},
			{text: '  providers:'},
			{text: `  - ${state.encryption}:`},
			{text: '      keys: [{name: key1, secret: <32 random bytes, base64>}]'},
			{text: '  - identity: {}   # last: older plain Secrets stay readable'},
			{text: ''},
			...textLines(`The key is made when the file is written, never shown here. A valid ${encryptionConfigName} already in the folder is kept.`, width, 'muted'),
		];
		return lines;
	},
	commands: state => encryptionCommands(state.encryption),
} as const satisfies StageDef;
