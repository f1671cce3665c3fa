import path from 'node:path';
import {parseDuration} from '../core/expiry.js';
import {renewWithinDays} from '../core/plan.js';
import {UsageError, type CommandIo} from './io.js';

export type RenewFlags = {
	out?: string;
	within?: string;
	all?: boolean;
	only?: string;
	validity?: string;
	'reuse-keys'?: boolean;
	'dry-run'?: boolean;
	quiet?: boolean;
};

/** `kubepki renew`: re-issue the leaves that need it from the folder's own CA; print what changes where. */
export async function runRenew(flags: RenewFlags, io: CommandIo): Promise<number> {
	const chosen = [flags.within !== undefined && '--within', flags.all && '--all', flags.only !== undefined && '--only'].filter(Boolean);
	if (chosen.length > 1) throw new UsageError(`renew: ${chosen.join(' and ')} cannot be combined; give one of --within D, --all, --only IDS`);
	const within = parseDuration(flags.within ?? `${renewWithinDays}d`);
	if (within === undefined) throw new UsageError(`--within: ${JSON.stringify(flags.within)} is not a duration; use days or hours such as 30d or 720h`);
	let validityHours: number | undefined;
	if (flags.validity !== undefined) {
		const seconds = parseDuration(flags.validity);
		if (!seconds || seconds % 3600 !== 0) throw new UsageError(`--validity: ${JSON.stringify(flags.validity)} is not a whole number of hours or days such as 8760h or 365d`);
		validityHours = seconds / 3600;
	}

	const ids = flags.only?.split(',').map(id => id.trim()).filter(Boolean);
	if (ids && ids.length === 0) throw new UsageError('--only: give one or more certificate ids, such as kubelet:node1,apiserver (kubepki expiry shows them)');
	const selection = flags.all ? ({kind: 'all'} as const) : ids ? ({kind: 'only', ids} as const) : ({kind: 'within', seconds: within} as const);
	const outDir = path.resolve(io.cwd, flags.out ?? 'pki');
	const {renewFolder, RenewUsageError} = await import('../core/renew.js');
	const {RefusedError} = await import('../core/generate.js');
	const {renewalText} = await import('../core/renew-text.js');
	try {
		const renewal = await renewFolder({outDir, selection, validityHours, reuseKeys: flags['reuse-keys'], dryRun: flags['dry-run']});
		// A folder tightened to 0700 is said even with --quiet: the user should know others could get in.
		for (const warning of renewal.warnings) io.stderr.write(`kubepki renew: warning: ${warning}\n`);
		if (!flags.quiet || flags['dry-run']) io.stdout.write(renewalText(renewal, {dryRun: Boolean(flags['dry-run']), outDir: shown(io.cwd, outDir)}));
		return 0;
	} catch (error) {
		if (error instanceof RenewUsageError) throw new UsageError(error.message);
		if (error instanceof RefusedError) {
			io.stderr.write(`kubepki renew: refused: ${error.message}\n`);
			return 1;
		}

		throw error;
	}
}

function shown(cwd: string, target: string): string {
	const relative = path.relative(cwd, target);
	return relative === '' ? '.' : relative.startsWith('..') ? target : relative;
}
