package api

import _ "embed"

// OpenAPI is the OpenAPI 3.1 description of /v1, served at /openapi.json.
// openapi_test.go checks it against the route table.
//
//go:embed openapi.json
var OpenAPI []byte
