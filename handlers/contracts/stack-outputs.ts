import { z } from "zod";

/**
 * The deployed stack's outputs, by Terraform output name. The module stack declares exactly these;
 * the CLI reads them from `cdktf deploy --outputs-file`, `terraform output -json`, or HYPERFRAMES_* env.
 */
export const STACK_OUTPUTS = {
  bucketName: "bucket_name",
  renderStateMachineArn: "render_state_machine_arn",
  mediaStateMachineArn: "media_state_machine_arn",
  apiUrl: "api_url",
  apiTokenParameterName: "api_token_parameter_name",
  region: "region",
  renderFunctionName: "render_function_name",
  mediaFunctionName: "media_function_name",
  apiFunctionName: "api_function_name",
  operatorPolicyJson: "operator_policy_json",
  alarmTopicArn: "alarm_topic_arn",
} as const;

/** What a client needs to reach one deployment (AWS or the local cloud). */
export const TargetEndpointsSchema = z.object({
  kind: z.enum(["local", "aws"]),
  region: z.string().min(1),
  bucket: z.string().min(3),
  renderStateMachineArn: z.string().min(1),
  mediaStateMachineArn: z.string().min(1),
  apiUrl: z.string().url().optional(),
  /** Local cloud only: the S3 and Step Functions endpoints, and the API token. */
  s3Endpoint: z.string().url().optional(),
  sfnEndpoint: z.string().url().optional(),
  apiToken: z.string().optional(),
  apiTokenParameterName: z.string().optional(),
  /** Added for `hyperframes-tui invoke` on both targets: the local Lambda Invoke API endpoint (local only). */
  lambdaEndpoint: z.string().url().optional(),
  /** Added for `hyperframes-tui invoke`: function names (AWS: the *_function_name outputs; local: render, media, api). */
  renderFunctionName: z.string().min(1).optional(),
  mediaFunctionName: z.string().min(1).optional(),
  apiFunctionName: z.string().min(1).optional(),
});
export type TargetEndpoints = z.infer<typeof TargetEndpointsSchema>;
