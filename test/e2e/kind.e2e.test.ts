import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { sleep } from "../fixtures/gateEnvironment";
import { clusterBinaries, clusterScript, SimCluster } from "./simCluster";
import { Project, START_TIMEOUT_MS, World, e2eWorld, transcript } from "./world";

/**
 * `cluster.mode: kind` under the real engine: `pulumi up --stack local` creates the cluster through
 * `@pulumi/command` and deploys into it, `pulumi destroy` deletes it. Docker is not available here,
 * so a stand-in `kind` on PATH makes each "kind cluster" one of the kit's simulated clusters and logs
 * every call; the program, the command provider and the engine are the real ones.
 */
const STAND_IN_KIND = `#!/usr/bin/env bash
# Stand-in for kind: a cluster is the pulumi-real kit's simulated cluster in $E2E_KIND_STATE/<name>.
set -euo pipefail
command=$1 object=$2; shift 2
name=kind
while (( $# )); do case $1 in --name) name=$2; shift 2 ;; *) shift ;; esac; done
echo "$command $object $name" >>"$E2E_KIND_STATE/calls.log"
case "$command $object" in
  # Its own session: the engine ends the command plugin's process group after the update, and
  # kind's clusters (containers) outlive it too.
  "create cluster") setsid -w bash "$E2E_CLUSTER_SH" start "$E2E_KIND_STATE/$name" >&2 ;;
  "get kubeconfig") cat "$E2E_KIND_STATE/$name/kubeconfig" ;;
  "delete cluster") bash "$E2E_CLUSTER_SH" stop "$E2E_KIND_STATE/$name" >&2 && rm -rf "\${E2E_KIND_STATE:?}/$name" ;;
  *) echo "stand-in kind: unsupported: $command $object" >&2; exit 2 ;;
esac
`;

describe("e2e: cluster.mode kind — the local stack creates and deletes its own cluster", function () {
    let world: World;
    let project: Project;
    let state: string;
    let env: NodeJS.ProcessEnv;

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        world = await e2eWorld();
        project = await world.project({ cluster: { mode: "kind", name: "e2e-laptop", waitSeconds: 60 } });
        state = path.join(project.dir, ".kind");
        const bin = path.join(state, "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "kind"), STAND_IN_KIND, { mode: 0o755 });
        env = {
            ...clusterBinaries(),
            E2E_KIND_STATE: state,
            E2E_CLUSTER_SH: clusterScript(),
            PATH: `${bin}${path.delimiter}${world.engine.env.PATH}`,
        };
    });

    after(async function () {
        this.timeout(300_000);
        const dir = path.join(state ?? "", "e2e-laptop");
        if (state && fs.existsSync(dir)) {
            await project.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"], { env });
            if (fs.existsSync(path.join(dir, "kubeconfig"))) await SimCluster.open(dir).stop();
        }
    });

    /** Keeps the new cluster's node alive (simCluster.ts) from the moment the stand-in kind has created it. */
    async function heartbeatOnceCreated(until: Promise<unknown>): Promise<SimCluster | undefined> {
        const kubeconfig = path.join(state, "e2e-laptop", "kubeconfig");
        // cluster.sh creates the file, then writes it (`cat >kubeconfig <<EOF`): it is ready once it ends with its last key.
        const written = () => fs.existsSync(kubeconfig) && /^current-context: \S+$/m.test(fs.readFileSync(kubeconfig, "utf8"));
        let finished = false;
        void until.finally(() => (finished = true));
        while (!finished && !written()) await sleep(200);
        return written() ? SimCluster.open(path.dirname(kubeconfig)) : undefined;
    }

    it("`pulumi up` creates the kind cluster, deploys into it with the kubeconfig it printed, and keeps that kubeconfig secret", async function () {
        this.timeout(600_000);
        const upRun = project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"], { env });
        const cluster = await heartbeatOnceCreated(upRun);
        const up = await upRun;
        try {
            assert.strictEqual(up.code, 0, transcript(up));
            assert.ok(cluster, "the stand-in kind created a cluster");
            assert.deepStrictEqual(fs.readFileSync(path.join(state, "calls.log"), "utf8").trim().split("\n"), [
                "create cluster e2e-laptop",
                "get kubeconfig e2e-laptop",
            ]);
            const namespaces = await cluster.namespaces();
            assert.ok(
                namespaces.includes("claude-enhancer"),
                `the stack deployed into the kind cluster (namespaces: ${namespaces.join(", ")})`,
            );
            assert.deepStrictEqual(await world.cluster.namespaces(), [], "nothing went to the other cluster");

            const token = /token: (\S+)/.exec(fs.readFileSync(cluster.kubeconfigPath, "utf8"))![1];
            assert.ok(!`${up.stdout}${up.stderr}`.includes(token), "the kubeconfig's token is not in the update's output");
            const exported = await project.pulumi(["stack", "export", "--stack", "local"], { env });
            assert.strictEqual(exported.code, 0, transcript(exported));
            assert.ok(!exported.stdout.includes(token), "the kubeconfig's token is not in the state in plain text");
            const output = await project.pulumi(["stack", "output", "kubeconfig", "--stack", "local"], { env });
            assert.match(output.stdout, /\[secret\]/);
        } finally {
            cluster?.close();
        }
    });

    it("`pulumi destroy` removes everything, then deletes the kind cluster", async function () {
        this.timeout(600_000);
        const cluster = SimCluster.open(path.join(state, "e2e-laptop"));
        let destroy;
        try {
            destroy = await project.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"], { env });
        } finally {
            cluster.close();
        }
        assert.strictEqual(destroy.code, 0, transcript(destroy));
        assert.strictEqual(fs.readFileSync(path.join(state, "calls.log"), "utf8").trim().split("\n").at(-1), "delete cluster e2e-laptop");
        assert.ok(!fs.existsSync(path.join(state, "e2e-laptop")), "the cluster is gone");
    });
});
