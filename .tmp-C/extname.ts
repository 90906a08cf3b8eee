import * as http from "http";
import { ApiServer } from "../test/harness/apiserver";
(async () => {
  const srv = http.createServer((req, res) => { res.end(`hello ${req.url}`); });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as any).port;
  const t0 = Date.now();
  const api = await ApiServer.start();
  console.log("apiserver up in", Date.now() - t0);
  try {
    for (const ext of ["localhost", "127.0.0.1.nip.io"]) {
      try {
        await api.client.request("DELETE", "/api/v1/namespaces/default/services/prom").catch(() => undefined);
        await api.client.request("POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "prom" }, spec: { type: "ExternalName", externalName: ext, ports: [{ name: "web", port }] } });
        const r = await api.client.request<string>("GET", `/api/v1/namespaces/default/services/http:prom:${port}/proxy/api/v1/query?query=up`);
        console.log(ext, r.status, r.body);
      } catch (e) { console.log(ext, "ERR", (e as Error).message); }
    }
  } finally { await api.stop(); srv.close(); }
})();
