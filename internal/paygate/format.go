package paygate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Need is the CND column of Paygate's tables.
type Need byte

const (
	Mandatory   Need = 'M'
	Optional    Need = 'O'
	Conditional Need = 'C' // the endpoint decides; the field list checks only the format
)

// Field is one row of a Paygate format table, e.g. {"AccOwner", "ans3..50", Mandatory}.
// Allowed, when set, lists the only values accepted (compared without
// regard to case); Pattern further restricts the characters.
type Field struct {
	Name    string
	Format  string
	Need    Need
	Allowed []string
	Pattern *regexp.Regexp
}

// format is a parsed Format: a character class and a length range in
// characters.
type format struct {
	class    string
	min, max int
}

var formatSyntax = regexp.MustCompile(`^(a|as|n|an|ans|ns)(?:(\d+)|(\d*)\.\.(\d+))$`)

// parseFormat reads Paygate's notation: "an32" (exactly 32), "ans..30"
// (at most 30), "ans3..50" (3 to 50).
func parseFormat(s string) (format, error) {
	m := formatSyntax.FindStringSubmatch(s)
	if m == nil {
		return format{}, fmt.Errorf("paygate: bad format %q", s)
	}
	f := format{class: m[1]}
	if m[2] != "" {
		f.min, _ = strconv.Atoi(m[2])
		f.max = f.min
		return f, nil
	}
	if m[3] != "" {
		f.min, _ = strconv.Atoi(m[3])
	}
	f.max, _ = strconv.Atoi(m[4])
	if f.max < f.min {
		return format{}, fmt.Errorf("paygate: bad format %q", s)
	}
	return f, nil
}

// fits says whether every character of s is in the class: a letters, n
// digits, an both; the classes with special characters (as, ans, ns) take
// any printable character.
func (f format) fits(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError || unicode.IsControl(r):
			return false
		case unicode.IsLetter(r) && strings.Contains(f.class, "a"):
		case r >= '0' && r <= '9' && strings.Contains(f.class, "n"):
		case strings.Contains(f.class, "s"):
		default:
			return false
		}
	}
	return true
}

// Form is a request checked against its field list: every field it names,
// under the list's spelling, with absent optional fields empty.
type Form map[string]string

// Validate checks v against fields, in the list's order, and refuses the
// whole request at the first field that is wrong, with the code naming it:
// 010 absent, 015 present but empty, 011 wrong characters, 013 too short,
// 014 too long, 016 not an allowed value. Fields not in the list are
// ignored, as Paygate does.
func Validate(v *Values, fields []Field) (Form, error) {
	out := make(Form, len(fields))
	for _, fd := range fields {
		f, err := parseFormat(fd.Format)
		if err != nil {
			panic(err) // a field list is code; its test parses every format
		}
		value, present := v.Lookup(fd.Name)
		if !present || value == "" {
			if fd.Need == Mandatory {
				module := ModuleMissing
				if present {
					module = ModuleValueMissing
				}
				return nil, FieldError(module, fd.Name, "is required")
			}
			out[fd.Name] = ""
			continue
		}
		n := utf8.RuneCountInString(value)
		switch {
		case !f.fits(value) || (fd.Pattern != nil && !fd.Pattern.MatchString(value)):
			return nil, FieldError(ModuleFormat, fd.Name, "must be of format "+fd.Format)
		case n < f.min:
			return nil, FieldError(ModuleTooShort, fd.Name, fmt.Sprintf("must be at least %d characters", f.min))
		case n > f.max:
			return nil, FieldError(ModuleTooLong, fd.Name, fmt.Sprintf("must be at most %d characters", f.max))
		case fd.Allowed != nil && !allowed(fd.Allowed, value):
			return nil, FieldError(ModuleNotAllowed, fd.Name, "must be one of "+strings.Join(fd.Allowed, ", "))
		}
		out[fd.Name] = value
	}
	return out, nil
}

func allowed(values []string, v string) bool {
	for _, a := range values {
		if strings.EqualFold(a, v) {
			return true
		}
	}
	return false
}
