/**
 * What every e2e scenario runs in, started once per mocha run by the first file that needs it and
 * stopped by a root `after` hook: the real engine (engine.ts), the simulated cluster (simCluster.ts),
 * the stand-in chart repositories (chartRepository.ts) and a stand-in ingress controller. Each
 * scenario works in its own copy of the project and destroys its stack, so the next one starts from
 * an empty cluster.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CONFIG_NAMESPACE } from "../../config";
import { runProgram } from "../harness/program";
import { RecordedResource } from "../harness/recorder";
import { ChartRef, ChartRepositories, CustomKind } from "./chartRepository";
import { Engine, RunOptions, RunResult } from "./engine";
import { engineNode } from "./node";
import { SimCluster } from "./simCluster";

/** Mocha timeout for a hook that may have to start the world (plugins, cluster, charts). */
export const START_TIMEOUT_MS = 300_000;

/** The Helm releases and custom kinds among the local stack's resources. */
function chartsOf(resources: RecordedResource[]): { charts: ChartRef[]; customKinds: CustomKind[] } {
    const charts = resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => ({
            repo: r.inputs.repositoryOpts.repo as string,
            name: r.inputs.chart as string,
            version: r.inputs.version as string,
        }));
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
        readonly charts: ChartRepositories,
        /** The local stack's resources as the program registers them under the mock runtime. */
        readonly localStack: RecordedResource[],
    ) {}

    static async start(): Promise<World> {
        const node = engineNode();
        const engine = await Engine.create({ nodeBinDir: node.binDir });
        process.stdout.write(
            `      e2e: ${engine.ownCli ? "your" : "the kit's"} pulumi CLI (${engine.cli}), programs on Node ${node.version}\n`,
        );
        const localStack = (await runProgram("local")).resources;
        const { charts, customKinds } = chartsOf(localStack);
        const repositories = await ChartRepositories.start(charts, customKinds);
        let cluster: SimCluster | undefined;
        try {
            cluster = await SimCluster.start();
        } catch (err) {
            await repositories.stop();
            engine.remove();
            throw err;
        }
        return new World(engine, cluster, repositories, localStack);
    }

    /**
     * A project copy whose `local` stack points at the simulated cluster, with `settings` merged over
     * the stack file's `claude-enhancer:*` keys (top-level keys replaced) and `policyConfig` over the
     * stack's policy pack config (policies/config/local.json), and the stack created.
     */
    async project(settings: Record<string, unknown> = {}, policyConfig: Record<string, unknown> = {}): Promise<Project> {
        const dir = this.engine.copyProject(`project-${++this.copies}`);
        const packConfig = path.join(dir, "policies", "config", "local.json");
        fs.writeFileSync(packConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(packConfig, "utf8")), ...policyConfig }, null, 2));
        const file = path.join(dir, "Pulumi.local.yaml");
        const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
        doc.config[`${CONFIG_NAMESPACE}:cluster`] = { mode: "existing", kubeconfigPath: this.cluster.kubeconfigPath };
        for (const [key, value] of Object.entries(settings)) doc.config[`${CONFIG_NAMESPACE}:${key}`] = value;
        fs.writeFileSync(file, stringify(doc));
        const project = new Project(this, dir);
        const init = await project.pulumi(["stack", "init", "local"]);
        if (init.code !== 0) throw new Error(`pulumi stack init local failed:\n${init.stdout}${init.stderr}`);
        return project;
    }

    async stop(): Promise<void> {
        await this.cluster.stop();
        await this.charts.stop();
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

    /** The CLI in this project, with the chart repositories' proxy; `pulumi <args> --non-interactive`. */
    pulumi(args: string[], options: RunOptions = {}): Promise<RunResult> {
        return this.world.engine.run([...args, "--non-interactive"], {
            cwd: this.dir,
            // Below the tests' own timeouts, so a stuck command is killed with its plugins and reported.
            timeoutMs: 480_000,
            ...options,
            env: { ...this.world.charts.env(), ...this.backend, ...options.env },
        });
    }

    /** Environment for the Automation API (bin/rollout.ts) run in this project. */
    env(): NodeJS.ProcessEnv {
        return { ...this.world.engine.env, ...this.world.charts.env(), ...this.backend };
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
