import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { mirrorVerdict } from "../../components/kubernetes/chartMirror";
import { writeStandInCharts } from "./standInCharts";

/** The e2e tier's chart mirror, read back with GNU tar: what Helm's loader gets from each archive. */
describe("e2e stand-in charts: a directory mirror of Helm chart archives", () => {
    let dir: string;
    let files: string[];
    const charts = [
        { name: "kube-prometheus-stack", version: "88.5.3" },
        { name: "cert-manager", version: "v1.18.2" },
    ];
    const customKinds = [
        { group: "monitoring.coreos.com", version: "v1", kind: "ServiceMonitor" },
        { group: "monitoring.coreos.com", version: "v1", kind: "PrometheusRule" },
        // cert-manager installs its own group's CRDs; a ClusterIssuer is a cluster-wide object.
        { group: "cert-manager.io", version: "v1", kind: "ClusterIssuer" },
        // No chart of the list installs this group's CRDs: it goes nowhere.
        { group: "networking.istio.io", version: "v1", kind: "VirtualService" },
    ];
    const tarList = (file: string) => execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).trim().split("\n").sort();
    const tarRead = (file: string, member: string) => execFileSync("tar", ["-xzOf", file, member], { encoding: "utf8" });

    before(() => {
        dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-")), "mirror");
        files = writeStandInCharts(dir, charts, customKinds);
    });
    after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

    it("writes <chart>-<version>.tgz per chart, and nothing else", () => {
        assert.deepStrictEqual(files, [path.join(dir, "kube-prometheus-stack-88.5.3.tgz"), path.join(dir, "cert-manager-v1.18.2.tgz")]);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["cert-manager-v1.18.2.tgz", "kube-prometheus-stack-88.5.3.tgz"]);
    });

    it("each archive is <chart>/Chart.yaml with the chart's name and version, no templates to render, the CRDs of its own groups", () => {
        assert.deepStrictEqual(tarList(files[0]), [
            "kube-prometheus-stack/",
            "kube-prometheus-stack/Chart.yaml",
            "kube-prometheus-stack/crds/",
            "kube-prometheus-stack/crds/0.yaml",
            "kube-prometheus-stack/crds/1.yaml",
            "kube-prometheus-stack/templates/",
        ]);
        assert.deepStrictEqual(tarList(files[1]), [
            "cert-manager/",
            "cert-manager/Chart.yaml",
            "cert-manager/crds/",
            "cert-manager/crds/0.yaml",
            "cert-manager/templates/",
        ]);
        assert.deepStrictEqual(parse(tarRead(files[1], "cert-manager/Chart.yaml")), {
            apiVersion: "v2",
            name: "cert-manager",
            version: "v1.18.2",
            description: "e2e stand-in for cert-manager v1.18.2",
        });
        const crd = parse(tarRead(files[0], "kube-prometheus-stack/crds/0.yaml"));
        assert.strictEqual(crd.metadata.name, "servicemonitors.monitoring.coreos.com");
        assert.strictEqual(crd.spec.scope, "Namespaced");
        const issuer = parse(tarRead(files[1], "cert-manager/crds/0.yaml"));
        assert.deepStrictEqual([issuer.metadata.name, issuer.spec.scope], ["clusterissuers.cert-manager.io", "Cluster"]);
        assert.deepStrictEqual(crd.spec.versions[0].schema, {
            openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        });
    });

    it("is a mirror the program's check accepts as charts.mirror", async () => {
        const needed = charts.map((c) => ({ ...c, repo: "https://charts.example.com" }));
        assert.deepStrictEqual(await mirrorVerdict(needed, { kind: "directory", location: dir }), { problems: [], warnings: [] });
    });
});
