import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {algorithms, exampleTopology, formatProblem, parseClusterFile, type Algorithm, type Topology} from '../core/topology.js';
import {UsageError} from './io.js';

/** The cluster from --config (or the built-in example), with --algorithm applied; bad input is a UsageError. */
export async function loadTopology(
	configPath: string | undefined,
	cwd: string,
	algorithm?: string,
): Promise<{topology: Topology; source: string}> {
	let topology: Topology;
	let source = 'built-in example cluster';
	if (configPath) {
		const full = path.resolve(cwd, configPath);
		let text: string;
		try {
			text = await readFile(full, 'utf8');
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			throw new UsageError(`--config: cannot read ${configPath}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : `: ${code ?? 'error'}`}`);
		}

		const result = parseClusterFile(text);
		if (!result.ok) {
			throw new UsageError(result.problems.map(p => `${configPath}: ${formatProblem(p)}`).join('\n'));
		}

		topology = result.topology;
		source = full;
	} else {
		topology = exampleTopology();
	}

	if (algorithm !== undefined) {
		if (!(algorithms as readonly string[]).includes(algorithm)) {
			throw new UsageError(`--algorithm: must be one of ${algorithms.join(', ')} (got ${JSON.stringify(algorithm)})`);
		}

		topology = {...topology, algorithm: algorithm as Algorithm};
	}

	return {topology, source};
}
