import {byHandFlavors, isByHandFlavor} from '../core/by-hand.js';
import {encryptionProviders, isEncryptionProvider} from '../core/encryption.js';
import {buildPlan, isLayout, layouts} from '../core/plan.js';
import {buildScript} from '../core/script.js';
import {UsageError, type CommandIo} from './io.js';
import {loadTopology} from './load-topology.js';

export type ScriptFlags = {config?: string; flavor?: string; algorithm?: string; layout?: string; 'encryption-provider'?: string; json?: boolean};

/** `kubepki script`: print the bash that makes the same PKI by hand. Returns the exit code. */
export async function runScript(flags: ScriptFlags, io: CommandIo): Promise<number> {
	const {flavor} = flags;
	if (flavor === undefined) throw new UsageError(`--flavor: required, one of ${byHandFlavors.join(', ')}`);
	if (!isByHandFlavor(flavor)) throw new UsageError(`--flavor: must be one of ${byHandFlavors.join(', ')} (got ${JSON.stringify(flavor)})`);
	const encryptionProvider = flags['encryption-provider'];
	if (encryptionProvider !== undefined && !isEncryptionProvider(encryptionProvider)) {
		throw new UsageError(`--encryption-provider: must be one of ${encryptionProviders.join(', ')} (got ${JSON.stringify(encryptionProvider)})`);
	}

	const layout = flags.layout ?? 'hardway';
	if (!isLayout(layout)) throw new UsageError(`--layout: must be one of ${layouts.join(', ')} (got ${JSON.stringify(layout)})`);
	// As generate: kubeadm's layout has no encryption config, so a provider for it is a mistake, not a no-op.
	if (layout === 'kubeadm' && encryptionProvider !== undefined) throw new UsageError('--encryption-provider: only with --layout hardway (kubeadm writes no encryption config)');
	const {topology, source} = await loadTopology(flags.config, io.cwd, flags.algorithm);
	io.stdout.write(buildScript(buildPlan(topology, {layout}), {flavor, encryptionProvider, source: flags.config ?? source}));
	return 0;
}
