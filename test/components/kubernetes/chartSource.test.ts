import * as assert from "assert";
import { chartArchive, chartSource } from "../../../components/kubernetes/chartSource";

const JAEGER = { name: "jaeger", version: "4.11.1", repo: "https://jaegertracing.github.io/helm-charts" };
const CERT_MANAGER = { name: "cert-manager", version: "v1.18.2", repo: "https://charts.jetstack.io" };

describe("chartSource: where a Helm release takes its chart from", () => {
    it("unset mirror: the chart by name from its public repository, at its version", () => {
        assert.deepStrictEqual(chartSource(JAEGER, undefined), {
            chart: "jaeger",
            version: "4.11.1",
            repositoryOpts: { repo: "https://jaegertracing.github.io/helm-charts" },
        });
    });

    it("a Helm repository mirror: the same name and version from the mirror's URL", () => {
        assert.deepStrictEqual(chartSource(JAEGER, { kind: "repository", location: "https://charts.internal.example.com/helm" }), {
            chart: "jaeger",
            version: "4.11.1",
            repositoryOpts: { repo: "https://charts.internal.example.com/helm" },
        });
    });

    it("an OCI mirror: the chart's OCI reference with the version as its tag, no repository", () => {
        assert.deepStrictEqual(chartSource(CERT_MANAGER, { kind: "oci", location: "oci://registry.example.com/charts" }), {
            chart: "oci://registry.example.com/charts/cert-manager",
            version: "v1.18.2",
        });
    });

    it("a directory mirror: the path of <chart>-<version>.tgz in the configured form (relative stays relative)", () => {
        assert.strictEqual(chartArchive(CERT_MANAGER), "cert-manager-v1.18.2.tgz");
        assert.deepStrictEqual(chartSource(JAEGER, { kind: "directory", location: "/srv/helm-charts" }), {
            chart: "/srv/helm-charts/jaeger-4.11.1.tgz",
            version: "4.11.1",
        });
        assert.deepStrictEqual(chartSource(JAEGER, { kind: "directory", location: "./charts/" }), {
            chart: "./charts/jaeger-4.11.1.tgz",
            version: "4.11.1",
        });
        assert.deepStrictEqual(chartSource(JAEGER, { kind: "directory", location: "../mirror" }), {
            chart: "../mirror/jaeger-4.11.1.tgz",
            version: "4.11.1",
        });
    });
});
