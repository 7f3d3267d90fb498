// SPDX-License-Identifier: Apache-2.0

// Package httpsec is the transport security the scheduler and operator
// clients share: HTTP Basic credentials ([Credentials], behind their
// WithCredentials options) and TLS client settings ([TLS], behind WithTLS,
// WithTLSFiles and WithScheme). The public options stay in their packages,
// with their documentation and their option names; they are thin wrappers
// over this package, so both clients validate, redact and load the same way.
//
//	creds := httpsec.NewCredentials(principal, secret, "")
//	errs := creds.Problems()        // empty principal or secret, a ':' in either
//	creds.Authorize(client)         // every request carries Authorization: Basic ...
//
//	var t httpsec.TLS
//	t.UseFiles(caFile, certFile, keyFile)
//	errs = t.Validate(false)        // reads the PEM files; [LoadFiles]
//	transport.TLSClientConfig = t.Client()
//
// Secrets: a [Credentials] keeps its secret only inside a closure, so that no
// fmt verb (%v, %+v, %#v) and no reflection-based encoder shows the secret or
// its base64 form, and no error this package builds quotes it. Errors about
// TLS files wrap the errors of [os.ReadFile] and [tls.LoadX509KeyPair], which
// name files but never quote a key.
//
// Errors are messages for a configuration error: they start with the name of
// the public option they are about (WithCredentials, WithTLS, WithTLSFiles,
// WithScheme), which both packages share. Sentinels stay in the public
// packages.
//
// Concurrency: a Credentials is immutable and safe for concurrent use; a TLS
// is configured and validated by one goroutine, after which Client and
// DefaultScheme may be called from any.
package httpsec
