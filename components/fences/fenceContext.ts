import type { PlatformConfig } from "../../config";
import { certManagerInstalled } from "../../config/tls";
import type { ClusterAddresses } from "../cluster/clusterAddresses";
import { platformNamespaces } from "../kubernetes/platformNamespaces";
import { ROUTERS } from "../traffic/routers";
import type { FenceContext } from "./flows";

/** The port of an SMTP relay given as host:port. */
function smtpPort(smarthost: string): number {
    return Number(smarthost.slice(smarthost.lastIndexOf(":") + 1));
}

/**
 * What the stack's fences depend on, from its configuration (the same decisions index.ts makes about
 * which components run) and where its pods reach the cluster's API server and nodes.
 */
export function fenceContextOf(config: PlatformConfig, cluster: ClusterAddresses, privateSubnetCidrs?: string[]): FenceContext {
    const onAws = config.cluster.mode === "eks";
    const email = config.monitoring.alertmanager.email;
    return {
        namespaces: platformNamespaces(config, ROUTERS[config.mesh.router].namespaces).map((ns) => ns.name),
        router: config.mesh.router,
        appPort: config.app.containerPort,
        cluster,
        privateSubnetCidrs: onAws ? privateSubnetCidrs : undefined,
        monitoring: {
            cloudwatchExporter: onAws && (config.database.mode === "rds" || config.cache.mode === "elasticache"),
            smtpPort: email ? smtpPort(email.smarthost) : undefined,
        },
        // The S3 log archive is part of every AWS stack (the Storage component).
        logging: config.logging.enabled ? { store: config.logging.opensearch.mode, archive: onAws } : undefined,
        tracing: config.tracing.enabled,
        certManager: certManagerInstalled(config) ? { acme: config.tls !== undefined } : undefined,
        clusterAutoscaler: onAws,
        metricsServer: config.metricsServer.enabled,
    };
}
