import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../../config/stackFile";
import { shippedHelmChartsMarkdown } from "../../../components/kubernetes/helmChartsDocs";

describe("Helm charts per stack (docs/configuration.md, Air-gapped clusters)", () => {
    it("lists every chart with its public repository and the version each stack installs, – where it installs none", () => {
        const rows = shippedHelmChartsMarkdown().split("\n");
        assert.strictEqual(rows[0], "| chart | public repository | staging | production | local |");
        assert.strictEqual(rows.length, 2 + 14);
        assert.ok(rows.includes("| `jaeger` | https://jaegertracing.github.io/helm-charts | 4.11.1 | 4.11.1 | 4.11.1 |"));
        // Local runs cert-manager for the cluster CA of its in-cluster OpenSearch.
        assert.ok(rows.includes("| `cert-manager` | https://charts.jetstack.io | v1.18.2 | v1.18.2 | v1.18.2 |"));
        assert.ok(rows.includes("| `ingress-nginx` | https://kubernetes.github.io/ingress-nginx | – | – | 4.12.1 |"));
        // Production's OpenSearch is Amazon's, not a chart.
        assert.ok(rows.includes("| `opensearch` | https://opensearch-project.github.io/helm-charts | 3.6.0 | – | 3.6.0 |"));
    });

    it("is what docs/configuration.md shows (regenerate with `npm run docs:config -- --charts`)", () => {
        const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "configuration.md"), "utf8");
        const match = /<!-- HELM-CHARTS:BEGIN -->\n([\s\S]*?)\n<!-- HELM-CHARTS:END -->/.exec(doc);
        assert.ok(match, "docs/configuration.md has no HELM-CHARTS block");
        assert.strictEqual(match[1], shippedHelmChartsMarkdown());
    });
});
