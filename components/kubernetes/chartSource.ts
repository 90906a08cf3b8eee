import type { ChartMirror } from "../../config/charts";

/** A chart a Helm release installs: its name, pinned version and public repository. */
export interface ChartRef {
    name: string;
    version: string;
    repo: string;
}

/** The fields of a `k8s.helm.v3.Release` that say where its chart comes from. */
export interface ReleaseChart {
    chart: string;
    version: string;
    repositoryOpts?: { repo: string };
}

/** The file a directory mirror holds for a chart (what `helm pull` writes). */
export function chartArchive(chart: Pick<ChartRef, "name" | "version">): string {
    return `${chart.name}-${chart.version}.tgz`;
}

/**
 * Where a release takes its chart from, the one place that decides it for every release: the public
 * repository, or `charts.mirror` with the same name and version. A directory's archive keeps the
 * configured form of the path: the Kubernetes provider runs in the project directory, so a relative
 * path stays valid wherever the project is checked out. `version` stays set for every form, as the
 * policy pack requires an exact version (for an archive the provider records the archive's own).
 */
export function chartSource(chart: ChartRef, mirror: ChartMirror | undefined): ReleaseChart {
    if (!mirror) return { chart: chart.name, version: chart.version, repositoryOpts: { repo: chart.repo } };
    switch (mirror.kind) {
        case "repository":
            return { chart: chart.name, version: chart.version, repositoryOpts: { repo: mirror.location } };
        case "oci":
            return { chart: `${mirror.location}/${chart.name}`, version: chart.version };
        case "directory":
            return { chart: `${mirror.location.replace(/\/+$/, "")}/${chartArchive(chart)}`, version: chart.version };
    }
}
