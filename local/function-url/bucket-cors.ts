/**
 * The bucket CORS rule the page needs on the local S3 server (s3rver `configureBuckets[].configs`):
 * browsers PUT parts to presigned URLs and read the ETag, and players follow stream redirects to S3.
 * The AWS bucket gets the same rule from the module (CORS for browser uploads).
 */
export const BROWSER_CORS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>
`;
