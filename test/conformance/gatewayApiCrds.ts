import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import type { KubeClient, KubeObject } from "../harness/apiserver";

/**
 * The Gateway API's standard CRDs, as the module pinned in tools/gateway-api/go.mod ships them
 * (config/crd/standard): `npm run apiserver:setup` downloads the module and links it at .tools/gateway-api.
 * The repository holds no copy; the conformance tier installs them from there.
 */
const MODULE_DIR = path.resolve(__dirname, "..", "..", ".tools", "gateway-api");
const CRD_DIR = path.join(MODULE_DIR, "config", "crd", "standard");
const FIELD_MANAGER = "conformance-gateway-api";

/** The CRDs, and the release they come from (their bundle-version annotation). */
export function gatewayApiCrds(): { version: string; crds: KubeObject[] } {
    if (!fs.existsSync(CRD_DIR))
        throw new Error(
            `no Gateway API CRDs at ${CRD_DIR}: run \`npm run apiserver:setup\` (it downloads the module pinned in tools/gateway-api/go.mod)`,
        );
    const crds = fs
        .readdirSync(CRD_DIR)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, f), "utf8")).map((d) => d.toJSON() as KubeObject))
        .filter((o) => o?.kind === "CustomResourceDefinition")
        // The API server writes a CRD's status itself.
        .map(({ status: _status, ...crd }) => crd as KubeObject);
    const version = crds[0]?.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"];
    if (!version) throw new Error(`no Gateway API CRD with a bundle version in ${CRD_DIR}`);
    return { version, crds };
}

/** Installs the CRDs (server-side apply) and returns once the API server serves HTTPRoutes. */
export async function installGatewayApiCrds(client: KubeClient): Promise<string> {
    const { version, crds } = gatewayApiCrds();
    for (const crd of crds) await client.apply(crd, { fieldManager: FIELD_MANAGER });
    for (let i = 0; ; i++) {
        try {
            client.forgetDiscovery();
            await client.resourceInfo("gateway.networking.k8s.io/v1", "HTTPRoute");
            return version;
        } catch (err) {
            if (i > 100) throw err;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }
}

/** Removes the CRDs (the API server's own finalizer removes their objects first). */
export async function uninstallGatewayApiCrds(client: KubeClient): Promise<void> {
    for (const crd of gatewayApiCrds().crds) await client.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd.metadata.name!);
    client.forgetDiscovery();
}
