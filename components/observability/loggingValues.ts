import { stringify } from "yaml";
import type { LoggingConfig } from "../../config/observability";
import { LUA_FUNCTION, redactionLuaScript } from "./redaction";
import { APP_NAME } from "../../identity";
import { FIXED_REQUESTS } from "../../config/capacity";

export const FLUENT_BIT_RELEASE = "fluent-bit";
export const OPENSEARCH_RELEASE = "opensearch";
export const OPENSEARCH_DASHBOARDS_RELEASE = "opensearch-dashboards";
/** Fluent Bit's ServiceAccount (the chart names it after the release): the IRSA role trusts exactly this one. */
export const FLUENT_BIT_SERVICE_ACCOUNT = FLUENT_BIT_RELEASE;
/** The in-cluster OpenSearch chart's Service for its default cluster/node-group names. */
export const IN_CLUSTER_OPENSEARCH_SERVICE = "opensearch-cluster-master";
export const REDACTION_SCRIPT = "redact.lua";
/** Keys of the Secret holding the OpenSearch account (the opensearch-dashboards chart's names). */
export const OPENSEARCH_SECRET_KEYS = { username: "username", password: "password", cookie: "cookie" } as const;
export const OPENSEARCH_ADMIN_USER = "admin";

/** The in-cluster OpenSearch's certificate (cert-manager, from the cluster CA) and its CA, in one Secret. */
export const OPENSEARCH_TLS_SECRET = "opensearch-tls";
/** Where OpenSearch reads its certificate: under its config directory, the only place the security plugin reads files from. */
export const OPENSEARCH_CERTS_DIR = "certs";
/** The node certificate's subject; the security plugin admits node-to-node connections from this DN only. */
export const OPENSEARCH_NODE_DN = `CN=${IN_CLUSTER_OPENSEARCH_SERVICE}`;
/** Where the in-cluster store's clients (Fluent Bit, Dashboards, the retention Job) mount its CA, `ca.crt` only. */
export const OPENSEARCH_CA_DIR = "/etc/opensearch-ca";
export const OPENSEARCH_CA_FILE = `${OPENSEARCH_CA_DIR}/ca.crt`;
/** The Secret with the security plugin's internal users file (internal_users.yml: the admin's bcrypt hash). */
export const OPENSEARCH_INTERNAL_USERS_SECRET = "opensearch-internal-users";

/** A pod volume with only the `ca.crt` of a cert-manager certificate's Secret: its key stays out of the pod. */
export function caVolume(tlsSecret: string): { name: string; secret: { secretName: string; items: { key: string; path: string }[] } } {
    return { name: "opensearch-ca", secret: { secretName: tlsSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } };
}
export const CA_VOLUME_MOUNT = { name: "opensearch-ca", mountPath: OPENSEARCH_CA_DIR, readOnly: true } as const;

/** Where Fluent Bit sends logs: the search store and, on AWS, the S3 archive. */
export interface LogDestinations {
    /**
     * The store, always over verified TLS: against the CA in `caSecret`'s `ca.crt` (the in-cluster store's
     * cluster CA), or the system's CAs (the Amazon domain).
     */
    opensearch: { host: string; port: number; caSecret?: string };
    /** Secret with OPENSEARCH_SECRET_KEYS, read into Fluent Bit's environment. */
    credentialsSecret: string;
    indexPrefix: string;
    archive?: { bucket: string; region: string; keyPrefix: string };
}

/** Index names are `<prefix>-YYYY.MM.DD`, one per day, so retention deletes whole days. */
export function indexPrefix(environment: string): string {
    return `logs-${environment}`;
}

function section(name: string, settings: [string, string | number][]): string {
    const width = Math.max(...settings.map(([k]) => k.length));
    return `[${name}]\n${settings.map(([k, v]) => `    ${k.padEnd(width)} ${v}`).join("\n")}\n`;
}

/** Fluent Bit's pipeline (classic configuration): container logs → Kubernetes metadata → redaction → outputs. */
export function fluentBitPipeline(dest: LogDestinations): { inputs: string; filters: string; outputs: string } {
    const inputs = section("INPUT", [
        ["Name", "tail"],
        ["Path", "/var/log/containers/*.log"],
        ["multiline.parser", "docker, cri"],
        ["Tag", "kube.*"],
        ["Mem_Buf_Limit", "50MB"],
        ["Skip_Long_Lines", "On"],
        ["DB", "/var/log/fluent-bit-kube.db"],
    ]);
    const filters = [
        section("FILTER", [
            ["Name", "kubernetes"],
            ["Match", "kube.*"],
            ["Merge_Log", "On"],
            ["Keep_Log", "Off"],
            ["K8S-Logging.Parser", "On"],
            ["K8S-Logging.Exclude", "On"],
            ["Labels", "On"],
            ["Annotations", "Off"],
        ]),
        // After Merge_Log, so fields parsed out of JSON log lines are masked too.
        section("FILTER", [
            ["Name", "lua"],
            ["Match", "kube.*"],
            ["script", `/fluent-bit/scripts/${REDACTION_SCRIPT}`],
            ["call", LUA_FUNCTION],
        ]),
    ].join("\n");
    const os = dest.opensearch;
    const outputs = [
        section("OUTPUT", [
            ["Name", "opensearch"],
            ["Match", "kube.*"],
            ["Host", os.host],
            ["Port", os.port],
            ["HTTP_User", "${OPENSEARCH_USERNAME}"],
            ["HTTP_Passwd", "${OPENSEARCH_PASSWORD}"],
            ["tls", "On"],
            ["tls.verify", "On"],
            ["tls.verify_hostname", "On"],
            ...(os.caSecret ? [["tls.ca_file", OPENSEARCH_CA_FILE] as [string, string]] : []),
            ["Logstash_Format", "On"],
            ["Logstash_Prefix", dest.indexPrefix],
            ["Replace_Dots", "On"],
            ["Suppress_Type_Name", "On"],
            ["Trace_Error", "On"],
            ["Retry_Limit", "False"],
        ]),
        ...(dest.archive
            ? [
                  section("OUTPUT", [
                      ["Name", "s3"],
                      ["Match", "kube.*"],
                      ["bucket", dest.archive.bucket],
                      ["region", dest.archive.region],
                      ["s3_key_format", `/${dest.archive.keyPrefix}/%Y/%m/%d/%H/$TAG-%M%S-$UUID.gz`],
                      ["compression", "gzip"],
                      ["use_put_object", "On"],
                      ["total_file_size", "50M"],
                      ["upload_timeout", "10m"],
                      ["store_dir", "/var/log/fluent-bit-s3"],
                      ["Retry_Limit", "False"],
                  ]),
              ]
            : []),
    ].join("\n");
    return { inputs, filters, outputs };
}

export interface FluentBitValuesArgs {
    logging: LoggingConfig;
    destinations: LogDestinations;
    /** IAM role Fluent Bit's ServiceAccount assumes (IRSA) to write the S3 archive. */
    irsaRoleArn?: string;
}

export function fluentBitValues(args: FluentBitValuesArgs): Record<string, unknown> {
    const secretEnv = (name: string, key: string) => ({
        name,
        valueFrom: { secretKeyRef: { name: args.destinations.credentialsSecret, key } },
    });
    return {
        kind: "DaemonSet",
        serviceAccount: {
            create: true,
            name: FLUENT_BIT_SERVICE_ACCOUNT,
            annotations: args.irsaRoleArn ? { "eks.amazonaws.com/role-arn": args.irsaRoleArn } : {},
        },
        // The chart's test hook pod is not needed in a deployed stack.
        testFramework: { enabled: false },
        resources: { requests: { ...args.logging.fluentBitRequests } },
        // Every node, tainted system nodes included: their pods' logs matter as much.
        tolerations: [{ operator: "Exists" }],
        env: [
            secretEnv("OPENSEARCH_USERNAME", OPENSEARCH_SECRET_KEYS.username),
            secretEnv("OPENSEARCH_PASSWORD", OPENSEARCH_SECRET_KEYS.password),
        ],
        luaScripts: { [REDACTION_SCRIPT]: redactionLuaScript({ maskEmails: args.logging.redaction.maskEmails }) },
        config: fluentBitPipeline(args.destinations),
        ...(args.destinations.opensearch.caSecret
            ? { extraVolumes: [caVolume(args.destinations.opensearch.caSecret)], extraVolumeMounts: [CA_VOLUME_MOUNT] }
            : {}),
    };
}

export interface OpenSearchValuesArgs {
    opensearch: Extract<LoggingConfig["opensearch"], { mode: "in-cluster" }>;
    /** The node's certificate and the CA (OPENSEARCH_TLS_SECRET). */
    tlsSecret: string;
    /** The security plugin's internal users (OPENSEARCH_INTERNAL_USERS_SECRET). */
    internalUsersSecret: string;
    storageClassName?: string;
}

/**
 * opensearch.yml of the in-cluster store: TLS on the transport and REST layers with the certificate
 * cert-manager issues from the cluster CA (reloaded when cert-manager renews it), node-to-node
 * connections admitted from that certificate's subject only, the security index initialised from the
 * mounted configuration on first start, and the security plugin's audit log in its own indices. Node
 * names are not verified on the transport layer: nodes dial each other by pod address, which no
 * certificate names; the chain and the subject are.
 */
export function openSearchConfig(): string {
    const certs = (file: string) => `${OPENSEARCH_CERTS_DIR}/${file}`;
    const layer = (name: "transport" | "http") => ({
        [`plugins.security.ssl.${name}.pemcert_filepath`]: certs("tls.crt"),
        [`plugins.security.ssl.${name}.pemkey_filepath`]: certs("tls.key"),
        [`plugins.security.ssl.${name}.pemtrustedcas_filepath`]: certs("ca.crt"),
    });
    return stringify({
        "cluster.name": "opensearch-cluster",
        "network.host": "0.0.0.0",
        ...layer("transport"),
        "plugins.security.ssl.transport.enforce_hostname_verification": false,
        "plugins.security.ssl.http.enabled": true,
        ...layer("http"),
        "plugins.security.ssl.certificates_hot_reload.enabled": true,
        "plugins.security.nodes_dn": [OPENSEARCH_NODE_DN],
        "plugins.security.allow_default_init_securityindex": true,
        "plugins.security.audit.type": "internal_opensearch",
    });
}

/**
 * The security plugin's internal users: the admin account only (Fluent Bit, Dashboards and the
 * retention Job log in with it), by the bcrypt hash of its generated password. Read when the security
 * index is first created; none of the demo configuration's users with well-known passwords exist.
 */
export function internalUsers(adminPasswordHash: string): string {
    return stringify({
        _meta: { type: "internalusers", config_version: 2 },
        [OPENSEARCH_ADMIN_USER]: {
            hash: adminPasswordHash,
            reserved: true,
            backend_roles: ["admin"],
            description: "Admin: Fluent Bit, OpenSearch Dashboards and the retention Job",
        },
    });
}

/** The in-cluster OpenSearch's certificate: the Services' names (and the pods', by the headless Service), server and client use. */
export function openSearchCertificateSpec(namespace: string, clusterIssuer: string): Record<string, unknown> {
    const names = (host: string) => [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.cluster.local`];
    const headless = `${IN_CLUSTER_OPENSEARCH_SERVICE}-headless`;
    return {
        secretName: OPENSEARCH_TLS_SECRET,
        commonName: IN_CLUSTER_OPENSEARCH_SERVICE,
        dnsNames: [
            ...names(IN_CLUSTER_OPENSEARCH_SERVICE),
            ...names(headless),
            ...names(headless)
                .slice(1)
                .map((n) => `*.${n}`),
        ],
        // 90 days, renewed 30 days before; the security plugin reloads the files (certificates_hot_reload).
        duration: "2160h",
        renewBefore: "720h",
        // The security plugin reads PKCS#8 keys only.
        privateKey: { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" },
        // Node-to-node TLS is mutual: the same certificate serves and authenticates the node.
        usages: ["server auth", "client auth", "digital signature", "key encipherment"],
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: clusterIssuer },
    };
}

/**
 * The in-cluster OpenSearch: one node (staging/local) serving the certificate cert-manager issues from
 * the cluster CA; the image's demo configuration (certificates whose CA key is public, users with
 * well-known passwords) is never installed.
 */
export function openSearchValues(args: OpenSearchValuesArgs): Record<string, unknown> {
    const os = args.opensearch;
    return {
        singleNode: true,
        replicas: 1,
        opensearchJavaOpts: `-Xms${os.heapMb}m -Xmx${os.heapMb}m`,
        resources: { requests: { ...os.requests } },
        persistence: {
            enabled: true,
            size: `${os.storageGb}Gi`,
            ...(args.storageClassName ? { storageClass: args.storageClassName } : {}),
        },
        extraEnvs: [{ name: "DISABLE_INSTALL_DEMO_CONFIG", value: "true" }],
        config: { "opensearch.yml": openSearchConfig() },
        secretMounts: [{ name: "tls", secretName: args.tlsSecret, path: `/usr/share/opensearch/config/${OPENSEARCH_CERTS_DIR}` }],
        securityConfig: { internalUsersSecret: args.internalUsersSecret },
    };
}

/** OpenSearch Dashboards: verifies the store's certificate (full: chain and name) against the cluster CA. */
export function openSearchDashboardsValues(args: { credentialsSecret: string; tlsSecret: string }): Record<string, unknown> {
    const host = `https://${IN_CLUSTER_OPENSEARCH_SERVICE}:9200`;
    return {
        opensearchHosts: host,
        opensearchAccount: { secret: args.credentialsSecret },
        resources: { requests: { ...FIXED_REQUESTS.opensearchDashboards } },
        extraVolumes: [caVolume(args.tlsSecret)],
        extraVolumeMounts: [CA_VOLUME_MOUNT],
        config: {
            "opensearch_dashboards.yml": stringify({
                "server.host": "0.0.0.0",
                "opensearch.hosts": [host],
                "opensearch.ssl.verificationMode": "full",
                "opensearch.ssl.certificateAuthorities": [OPENSEARCH_CA_FILE],
                // The security plugin authenticates the browser's requests by these headers.
                "opensearch.requestHeadersWhitelist": ["authorization", "securitytenant"],
            }),
        },
    };
}

/**
 * The security plugin's audit indices (an in-cluster store audits into its own indices, daily): without
 * a retention they would fill the store's volume.
 */
export const AUDIT_INDEX_PATTERN = "security-auditlog-*";

/** ISM policy: indices of this stack's logs, and the audit indices, are deleted `retentionDays` after creation. */
export function retentionPolicy(environment: string, retentionDays: number): Record<string, unknown> {
    return {
        policy: {
            description: `Delete ${indexPrefix(environment)}-* and ${AUDIT_INDEX_PATTERN} indices ${retentionDays} days after creation.`,
            default_state: "hot",
            states: [
                { name: "hot", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: `${retentionDays}d` } }] },
                { name: "delete", actions: [{ delete: {} }], transitions: [] },
            ],
            ism_template: [{ index_patterns: [`${indexPrefix(environment)}-*`, AUDIT_INDEX_PATTERN], priority: 100 }],
        },
    };
}

/** Index template: replicas the store can actually place (none on a single node, else one). */
export function logsIndexTemplate(environment: string, dataNodes: number): Record<string, unknown> {
    return {
        index_patterns: [`${indexPrefix(environment)}-*`],
        template: { settings: { number_of_shards: 1, number_of_replicas: dataNodes > 1 ? 1 : 0 } },
        priority: 100,
    };
}

export const RETENTION_POLICY_ID = `${APP_NAME}-logs-retention`;
export const INDEX_TEMPLATE_NAME = `${APP_NAME}-logs`;

/**
 * The security plugin's audit configuration for the Amazon OpenSearch domain (`PUT
 * _plugins/_security/api/audit/config`, which replaces the whole configuration). Publishing AUDIT_LOGS to
 * CloudWatch only routes the events; the domain writes them once this is enabled. Only keys OpenSearch 2.x
 * accepts: its security plugin rejects a body with an unknown key.
 *
 * - Both layers on. AUTHENTICATED and GRANTED_PRIVILEGES are off on both (the plugin's defaults too): they
 *   would log every successful request, and Fluent Bit on every node sends a bulk request every few seconds.
 *   What is logged: failed logins, missing privileges, bad headers, TLS errors, attempts on the security
 *   index, and (transport) index administration such as creating or deleting an index.
 * - No request bodies: a denied request's body is mostly log lines (Fluent Bit's bulk payloads), which
 *   would copy log content into the audit log group; category, user, action, indices and remote address
 *   identify the request. Sensitive headers (Authorization) are never logged; bulk requests are not
 *   split into one event per document.
 * - Compliance logging on only for the security configuration (`internal_config`: who changed users,
 *   roles or mappings; rare, hence cheap). No watched fields or indices: document read/write events
 *   would be one event per log line written or read. No external config (node files are Amazon's).
 * - No ignored users: the admin account is also Fluent Bit's, and its failures are what to see.
 */
export function auditConfig(): Record<string, unknown> {
    const noisy = ["AUTHENTICATED", "GRANTED_PRIVILEGES"];
    return {
        enabled: true,
        audit: {
            enable_rest: true,
            disabled_rest_categories: noisy,
            enable_transport: true,
            disabled_transport_categories: noisy,
            resolve_bulk_requests: false,
            log_request_body: false,
            resolve_indices: true,
            exclude_sensitive_headers: true,
            ignore_users: [],
            ignore_requests: [],
        },
        compliance: {
            enabled: true,
            internal_config: true,
            external_config: false,
            read_metadata_only: true,
            read_watched_fields: {},
            read_ignore_users: [],
            write_metadata_only: true,
            write_log_diffs: false,
            write_watched_indices: [],
            write_ignore_users: [],
        },
    };
}

/** The setup Job's documents (keys of its ConfigMap, files under `RetentionSetupPaths.documents`). */
export const SETUP_DOCUMENTS = {
    indexTemplate: "index-template.json",
    retentionPolicy: "retention-policy.json",
    auditConfig: "audit-config.json",
} as const;

/** Where the setup Job finds its inputs and keeps curl's account. */
export interface RetentionSetupPaths {
    /** The ConfigMap with the retention policy, the index template and (Amazon) the audit configuration. */
    documents: string;
    /** The credentials Secret, mounted as files (OPENSEARCH_SECRET_KEYS). */
    credentials: string;
    /** A memory-backed emptyDir the script writes curl's config file into. */
    curlConfig: string;
}

export const RETENTION_SETUP_PATHS: RetentionSetupPaths = { documents: "/setup", credentials: "/credentials", curlConfig: "/run/curl" };

/** What the setup Job configures besides the index template and the retention policy. */
export interface RetentionSetupSteps {
    /**
     * Put `auditConfig()` (the Amazon domain). Not for the in-cluster store: the chart's opensearch.yml
     * already sets `plugins.security.audit.type: internal_opensearch` and the plugin's own audit.yml
     * enables auditing, so its security configuration governs it there.
     */
    auditConfig: boolean;
}

/**
 * The setup Job's script: wait for OpenSearch, then put the index template and the ISM policy
 * (updating it in place when it exists, which ISM requires doing with its sequence number) and, for the
 * Amazon domain, the audit configuration. Every call is an idempotent PUT; a non-2xx answer fails the
 * script (`--fail-with-body`, `set -e`) and so the Job, which retries.
 *
 * The admin account reaches curl through a config file (`-K`, curl's `--config`), written by the shell
 * from the mounted Secret: a `-u user:password` argument would be readable by anyone on the node in
 * /proc/<pid>/cmdline and `ps`. The heredoc is expanded by the shell itself, so no process is started
 * with the password as an argument either. The password's characters (letters, digits, `-_.+`,
 * logging.ts) need no escaping inside the config file's double quotes.
 */
export function retentionSetupScript(steps: RetentionSetupSteps, paths: RetentionSetupPaths = RETENTION_SETUP_PATHS): string {
    const config = `${paths.curlConfig}/auth.conf`;
    const secret = (key: string) => `$(cat ${paths.credentials}/${key})`;
    const doc = (name: string) => `@${paths.documents}/${name}`;
    return [
        "set -eu",
        "umask 077",
        `cat > ${config} <<EOF`,
        `user = "${secret(OPENSEARCH_SECRET_KEYS.username)}:${secret(OPENSEARCH_SECRET_KEYS.password)}"`,
        "EOF",
        `req() { curl --silent --show-error --fail-with-body $CURL_TLS -K ${config} -H "Content-Type: application/json" "$@"; }`,
        'until req "$OPENSEARCH_URL/_cluster/health?wait_for_status=yellow&timeout=30s" >/dev/null; do echo "waiting for OpenSearch"; sleep 10; done',
        `req -X PUT "$OPENSEARCH_URL/_index_template/${INDEX_TEMPLATE_NAME}" --data ${doc(SETUP_DOCUMENTS.indexTemplate)}`,
        `current=$(req "$OPENSEARCH_URL/_plugins/_ism/policies/${RETENTION_POLICY_ID}" 2>/dev/null || true)`,
        `seq=$(echo "$current" | sed -n 's/.*"_seq_no":\\([0-9]*\\).*/\\1/p')`,
        `term=$(echo "$current" | sed -n 's/.*"_primary_term":\\([0-9]*\\).*/\\1/p')`,
        'query=""',
        'if [ -n "$seq" ] && [ -n "$term" ]; then query="?if_seq_no=$seq&if_primary_term=$term"; fi',
        `req -X PUT "$OPENSEARCH_URL/_plugins/_ism/policies/${RETENTION_POLICY_ID}$query" --data ${doc(SETUP_DOCUMENTS.retentionPolicy)}`,
        ...(steps.auditConfig
            ? [`req -X PUT "$OPENSEARCH_URL/_plugins/_security/api/audit/config" --data ${doc(SETUP_DOCUMENTS.auditConfig)}`]
            : []),
    ].join("\n");
}

/** Pod labels of the retention setup Job (its NetworkPolicy, components/fences, selects them). */
export const RETENTION_SETUP_LABELS = { "app.kubernetes.io/name": "opensearch-retention-setup" } as const;
