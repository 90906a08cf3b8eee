/**
 * The engine's log as the test-engine stand-in for the command plugin writes to it (no registry here
 * serves the upstream one): each line of a logged stream becomes an ephemeral info message on the
 * resource, as pulumi-command's LogStatus does, sent in order over the engine's gRPC service.
 */
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";

export class EngineLog {
    private readonly client: engrpc.EngineClient;
    private sent: Promise<void> = Promise.resolve();

    constructor(engineAddress: string) {
        this.client = new engrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
    }

    /** Queues one line for the resource; lines reach the engine in the order they were queued. */
    status(urn: string, message: string): void {
        const request = new engproto.LogRequest();
        request.setSeverity(engproto.LogSeverity.INFO);
        request.setMessage(message);
        request.setUrn(urn);
        request.setEphemeral(true);
        this.sent = this.sent.then(
            () =>
                new Promise<void>((resolve) =>
                    this.client.log(request, (err) => {
                        // The line itself stays out of the plugin's stderr: it may be what logging was meant to show only to the engine.
                        if (err) console.error(`the engine did not take a log line: ${err.message}`);
                        resolve();
                    }),
                ),
        );
    }

    /** Resolves once every queued line has been delivered (or given up). */
    flushed(): Promise<void> {
        return this.sent;
    }
}
