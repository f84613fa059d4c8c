#ifndef RECLAB_COPENBLAS_SHIM_H
#define RECLAB_COPENBLAS_SHIM_H

// CBLAS plus openblas_set_num_threads / openblas_get_num_threads come from
// Debian's libopenblas-dev header.
#include <stddef.h>
#include <cblas.h>

// Debian ships no C header for OpenBLAS's LAPACK, but libopenblas exports the
// Fortran symbols, so declare the few we call using the gfortran ABI: every
// argument by pointer, plus one hidden trailing size_t length per CHARACTER
// argument (UPLO). Matrices are column-major.

/// Cholesky factorisation of a symmetric positive-definite matrix.
void spotrf_(const char *uplo, const blasint *n, float *a, const blasint *lda,
             blasint *info, size_t uplo_len);

/// Solves A X = B given the Cholesky factor from spotrf_.
void spotrs_(const char *uplo, const blasint *n, const blasint *nrhs,
             const float *a, const blasint *lda, float *b, const blasint *ldb,
             blasint *info, size_t uplo_len);

/// Factorises A and solves A X = B in one call.
void sposv_(const char *uplo, const blasint *n, const blasint *nrhs,
            float *a, const blasint *lda, float *b, const blasint *ldb,
            blasint *info, size_t uplo_len);

/// Inverts A in place given the Cholesky factor from spotrf_.
void spotri_(const char *uplo, const blasint *n, float *a, const blasint *lda,
             blasint *info, size_t uplo_len);

#endif
