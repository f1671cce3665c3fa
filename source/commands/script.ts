import {byHandFlavors, isByHandFlavor} from '../core/by-hand.js';
import {buildPlan} from '../core/plan.js';
import {buildScript} from '../core/script.js';
import {formatProblem} from '../core/topology.js';
import {oneLine, UsageError, type CommandIo} from './io.js';
import {layoutFlags} from './layout-flags.js';
import {loadTopology} from './load-topology.js';

export type ScriptFlags = {config?: string; flavor?: string; algorithm?: string; layout?: string; 'encryption-provider'?: string; json?: boolean};

/** `kubepki script`: print the bash that makes the same PKI by hand. Returns the exit code. */
export async function runScript(flags: ScriptFlags, io: CommandIo): Promise<number> {
	const {flavor} = flags;
	if (flavor === undefined) throw new UsageError(`--flavor: required, one of ${byHandFlavors.join(', ')}`);
	if (!isByHandFlavor(flavor)) throw new UsageError(`--flavor: must be one of ${byHandFlavors.join(', ')} (got ${JSON.stringify(flavor)})`);
	const {layout, encryptionProvider} = layoutFlags(flags);
	const {topology, source, warnings} = await loadTopology(flags.config, io.cwd, flags.algorithm);
	for (const warning of warnings) io.stderr.write(`kubepki: warning: ${oneLine(formatProblem(warning))}\n`);
	io.stdout.write(buildScript(buildPlan(topology, {layout}), {flavor, encryptionProvider, source: flags.config ?? source}));
	return 0;
}
