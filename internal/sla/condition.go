package sla

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Condition is a compiled boolean expression over Facts.
type Condition struct {
	source  string
	program *vm.Program
}

// maxConditionNodes bounds how large an expression may be, so that a
// definition cannot make every record event expensive.
const maxConditionNodes = 200

// Compile checks source against Facts: an unknown field, a type mismatch or
// a non-boolean result is an error naming the problem. Empty source is a
// condition that is never true.
func Compile(source string) (*Condition, error) {
	source = strings.TrimSpace(source)
	if source == "" {
		return &Condition{}, nil
	}
	if len(source) > 2000 {
		return nil, fmt.Errorf("is longer than 2000 characters")
	}
	p, err := expr.Compile(source, expr.Env(Facts{}), expr.AsBool(), expr.MaxNodes(maxConditionNodes))
	if err != nil {
		// expr's messages carry the position and a caret line; keep the first line.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return nil, fmt.Errorf("%s", msg)
	}
	return &Condition{source: source, program: p}, nil
}

// True evaluates the condition for f; an empty condition is false.
func (c *Condition) True(f Facts) bool {
	if c == nil || c.program == nil {
		return false
	}
	out, err := expr.Run(c.program, f)
	if err != nil {
		return false
	}
	b, _ := out.(bool)
	return b
}

// String returns the source.
func (c *Condition) String() string { return c.source }
