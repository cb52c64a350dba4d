package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
)

// render is the one way a verb's Result reaches the user, the same for every verb and
// format: the result on stdout (app.Write), every warning on stderr, then --strict's exit 1
// when a fit did not converge, and the answer "no" of a verb that gates (check).
func render(e *env, res app.Result, out format.Output, strict bool) error {
	if err := app.Write(e.stdout, out, res); err != nil {
		return err
	}
	emitWarnings(e, res.Warnings())
	if err := strictErr(e, strict, res.NotConverged()); err != nil {
		return err
	}
	if a, ok := res.(app.Answerer); ok {
		return a.Answer()
	}
	return nil
}

// parseFormat checks a --format value (a usage error otherwise).
func parseFormat(s string) (format.Output, error) {
	f, err := format.Parse(s)
	if err != nil {
		return "", &app.UsageError{Err: err}
	}
	return f, nil
}

// outFmt is a --format value already checked by parseFormat.
func outFmt(s string) format.Output {
	f, _ := format.Parse(s)
	return f
}
