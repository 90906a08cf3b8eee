/**
 * What every e2e scenario runs in, started once per mocha run by the first file that needs it and
 * stopped by a root `after` hook: the real engine (engine.ts), the simulated cluster (simCluster.ts),
 * a chart mirror of stand-in charts (standInCharts.ts) and a stand-in ingress controller. Each
 * scenario works in its own copy of the project, its charts from the mirror, and destroys its stack,
 * so the next one starts from an empty cluster.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CONFIG_NAMESPACE } from "../../config";
import { runProgram } from "../harness/program";
import { RecordedResource } from "../harness/recorder";
import { CustomKind, StandInChart, writeStandInCharts } from "./standInCharts";
import { Engine, RunOptions, RunResult } from "./engine";
import { engineNode } from "./node";
import { SimCluster } from "./simCluster";

/** Mocha timeout for a hook that may have to start the world (plugins, cluster, charts). */
export const START_TIMEOUT_MS = 300_000;

/** The charts of the Helm releases and the custom kinds among the local stack's resources. */
function chartsOf(resources: RecordedResource[]): { charts: StandInChart[]; customKinds: CustomKind[] } {
    const charts = resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => ({ name: r.inputs.chart as string, version: r.inputs.version as string }));
    const customKinds = new Map<string, CustomKind>();
    for (const r of resources) {
        const m = /^kubernetes:([a-z0-9.-]+\.[a-z]+)\/(v[0-9a-z]+):([A-Za-z]+)$/.exec(r.type);
        if (m && !m[1].endsWith(".k8s.io") && m[1] !== "helm.sh") customKinds.set(r.type, { group: m[1], version: m[2], kind: m[3] });
    }
    return { charts, customKinds: [...customKinds.values()] };
}

export class World {
    private copies = 0;

    private constructor(
        readonly engine: Engine,
        readonly cluster: SimCluster,
        /** The chart mirror: a directory of the stand-in charts, every project's `charts.mirror`. */
        readonly chartMirror: string,
        /** The stand-in charts in the mirror, one per Helm release of the local stack. */
        readonly charts: StandInChart[],
        /** The local stack's resources as the program registers them under the mock runtime, its charts from the mirror. */
        readonly localStack: RecordedResource[],
    ) {}

    static async start(): Promise<World> {
        const node = engineNode();
        const engine = await Engine.create({ nodeBinDir: node.binDir });
        process.stdout.write(`      e2e: the kit's pulumi CLI (${engine.cli}) with our language host, programs on Node ${node.version}\n`);
        // The charts as the program names them, then what it registers with them in the mirror (it checks they are there).
        const { charts, customKinds } = chartsOf((await runProgram("local")).resources);
        const chartMirror = path.join(engine.root, "chart-mirror");
        writeStandInCharts(chartMirror, charts, customKinds);
        const localStack = (await runProgram("local", { overrides: { charts: { mirror: chartMirror } } })).resources;
        let cluster: SimCluster | undefined;
        try {
            cluster = await SimCluster.start();
        } catch (err) {
            engine.remove();
            throw err;
        }
        return new World(engine, cluster, chartMirror, charts, localStack);
    }

    /**
     * A project copy whose `local` stack points at the simulated cluster and takes its charts from the
     * mirror, with `settings` merged over the stack file's `claude-enhancer:*` keys (top-level keys
     * replaced) and `policyConfig` over the stack's policy pack config (policies/config/local.json),
     * and the stack created.
     */
    async project(settings: Record<string, unknown> = {}, policyConfig: Record<string, unknown> = {}): Promise<Project> {
        const dir = this.engine.copyProject(`project-${++this.copies}`);
        const packConfig = path.join(dir, "policies", "config", "local.json");
        fs.writeFileSync(packConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(packConfig, "utf8")), ...policyConfig }, null, 2));
        const file = path.join(dir, "Pulumi.local.yaml");
        const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
        doc.config[`${CONFIG_NAMESPACE}:cluster`] = { mode: "existing", kubeconfigPath: this.cluster.kubeconfigPath };
        doc.config[`${CONFIG_NAMESPACE}:charts`] = { mirror: this.chartMirror };
        for (const [key, value] of Object.entries(settings)) doc.config[`${CONFIG_NAMESPACE}:${key}`] = value;
        fs.writeFileSync(file, stringify(doc));
        const project = new Project(this, dir);
        const init = await project.pulumi(["stack", "init", "local"]);
        if (init.code !== 0) throw new Error(`pulumi stack init local failed:\n${init.stdout}${init.stderr}`);
        return project;
    }

    async stop(): Promise<void> {
        await this.cluster.stop();
        this.engine.remove();
    }
}

export class Project {
    /** Each project its own file backend: every one has a stack named `local`. */
    private readonly backend: NodeJS.ProcessEnv;

    constructor(
        readonly world: World,
        readonly dir: string,
    ) {
        fs.mkdirSync(path.join(dir, ".state"));
        this.backend = { PULUMI_BACKEND_URL: `file://${path.join(dir, ".state")}` };
    }

    /** The CLI in this project: `pulumi <args> --non-interactive`. */
    pulumi(args: string[], options: RunOptions = {}): Promise<RunResult> {
        return this.world.engine.run([...args, "--non-interactive"], {
            cwd: this.dir,
            // Below the tests' own timeouts, so a stuck command is killed with its plugins and reported.
            timeoutMs: 480_000,
            ...options,
            env: { ...this.backend, ...options.env },
        });
    }

    /** Environment for the Automation API (bin/rollout.ts) run in this project. */
    env(): NodeJS.ProcessEnv {
        return { ...this.world.engine.env, ...this.backend };
    }
}

let started: Promise<World> | undefined;

export function e2eWorld(): Promise<World> {
    started ??= World.start();
    return started;
}

after(async function () {
    this.timeout(120_000);
    if (!started) return;
    const world = await started.catch(() => undefined);
    await world?.stop();
});

/** The output of a failed command, for assertion messages. */
export function transcript(r: RunResult): string {
    return `exit ${r.code}${r.timedOut ? " (timed out)" : ""} after ${r.ms} ms\n${r.stdout}\n${r.stderr}`;
}
