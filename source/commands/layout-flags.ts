import {encryptionProviders, isEncryptionProvider, type EncryptionProvider} from '../core/encryption.js';
import {isLayout, layouts, type Layout} from '../core/plan.js';
import {UsageError} from './io.js';

/**
 * `--layout` and `--encryption-provider`, checked the same way for generate and script. kubeadm's layout has
 * no encryption config (kubeadm leaves encryption at rest to you), so a provider with it is a mistake, said
 * as one rather than ignored.
 */
export function layoutFlags(flags: {layout?: string; 'encryption-provider'?: string}): {layout: Layout; encryptionProvider?: EncryptionProvider} {
	const encryptionProvider = flags['encryption-provider'];
	if (encryptionProvider !== undefined && !isEncryptionProvider(encryptionProvider)) {
		throw new UsageError(`--encryption-provider: must be one of ${encryptionProviders.join(', ')} (got ${JSON.stringify(encryptionProvider)})`);
	}

	const layout = flags.layout ?? 'hardway';
	if (!isLayout(layout)) throw new UsageError(`--layout: must be one of ${layouts.join(', ')} (got ${JSON.stringify(layout)})`);
	if (layout === 'kubeadm' && encryptionProvider !== undefined) throw new UsageError('--encryption-provider: only with --layout hardway (kubeadm writes no encryption config)');
	return {layout, encryptionProvider};
}
