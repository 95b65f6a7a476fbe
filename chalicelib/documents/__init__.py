"""Documents the service prints: Form 01 as a PDF (fpdf2, segno), imported only
by the routes and the notices that carry one, so cold starts never pay for them."""
