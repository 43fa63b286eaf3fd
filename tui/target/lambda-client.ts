import { LambdaClient } from "@aws-sdk/client-lambda";
import type { TargetEndpoints } from "../../handlers/contracts/stack-outputs.js";
import { LOCAL_CREDENTIALS } from "../../local/discovery.js";

/**
 * A Lambda client for the target, as `clientsFor` (connect.ts) makes the S3 and SFN ones: AWS with the
 * ambient credentials, or the local cloud's Lambda Invoke API. Kept apart so only `invoke` loads it.
 * One attempt: a synchronous invocation is not repeated behind the caller's back (a render chunk
 * runs for minutes); no request timeout (functions run up to 900 s).
 */
export function lambdaClientFor(endpoints: TargetEndpoints): LambdaClient {
  if (endpoints.kind === "aws") return new LambdaClient({ region: endpoints.region, maxAttempts: 1 });
  return new LambdaClient({
    region: endpoints.region,
    endpoint: endpoints.lambdaEndpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
}
