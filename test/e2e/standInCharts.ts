/**
 * Stand-in Helm charts for the e2e tier. The program's releases name chart repositories on the
 * internet, which these machines cannot reach (DNS does not resolve them); so the tier runs the local
 * stack as an air-gapped platform does, with `charts.mirror` set to a directory (docs/configuration.md)
 * holding a stand-in for each chart, under the chart's own name and version. A stand-in renders
 * nothing; it ships only the CRDs of custom kinds the program itself creates (reduced to an open
 * schema), as the real chart would install them first. The releases are real Helm installs by the
 * real provider; the charts' contents are not what is tested here (docs/testing.md).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tar from "tar";
import { stringify } from "yaml";
import { chartArchive } from "../../components/kubernetes/chartSource";

export interface StandInChart {
    name: string;
    version: string;
}

export interface CustomKind {
    group: string;
    version: string;
    kind: string;
}

/** Which chart installs the CRDs of an API group (the real charts do). */
const CRD_CHARTS: Record<string, string> = {
    "monitoring.coreos.com": "kube-prometheus-stack",
    "cert-manager.io": "cert-manager",
    "networking.istio.io": "base",
    "security.istio.io": "base",
};

/** Custom kinds that are cluster-wide objects (everything else is namespaced). */
const CLUSTER_SCOPED = new Set(["ClusterIssuer"]);

/** An open-schema CRD for a custom kind: the API server stores its objects as given. */
function crd({ group, version, kind }: CustomKind): object {
    const plural = `${kind.toLowerCase()}s`;
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.${group}` },
        spec: {
            group,
            names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
            scope: CLUSTER_SCOPED.has(kind) ? "Cluster" : "Namespaced",
            versions: [
                {
                    name: version,
                    served: true,
                    storage: true,
                    schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
                },
            ],
        },
    };
}

/**
 * Writes each chart into `dir` as `<chart>-<version>.tgz`, a Helm chart archive: `<chart>/Chart.yaml`,
 * an empty `<chart>/templates/` and the CRDs of its custom kinds in `<chart>/crds/` (Helm installs
 * those before anything else). Returns the archives' paths.
 */
export function writeStandInCharts(dir: string, charts: StandInChart[], customKinds: CustomKind[]): string[] {
    fs.mkdirSync(dir, { recursive: true });
    const sources = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-chart-sources-"));
    try {
        return charts.map((chart) => {
            const root = path.join(sources, `${chart.name}-${chart.version}`);
            const chartDir = path.join(root, chart.name);
            fs.mkdirSync(path.join(chartDir, "templates"), { recursive: true });
            fs.writeFileSync(
                path.join(chartDir, "Chart.yaml"),
                stringify({
                    apiVersion: "v2",
                    name: chart.name,
                    version: chart.version,
                    description: `e2e stand-in for ${chart.name} ${chart.version}`,
                }),
            );
            const kinds = customKinds.filter((k) => CRD_CHARTS[k.group] === chart.name);
            if (kinds.length > 0) {
                fs.mkdirSync(path.join(chartDir, "crds"));
                kinds.forEach((k, i) => fs.writeFileSync(path.join(chartDir, "crds", `${i}.yaml`), stringify(crd(k))));
            }
            const file = path.join(dir, chartArchive(chart));
            tar.create({ file, cwd: root, gzip: true, portable: true, sync: true }, [chart.name]);
            return file;
        });
    } finally {
        fs.rmSync(sources, { recursive: true, force: true });
    }
}
