// Package directory holds the reference data records point at: customer
// organisations, the two-level category tree and the services the desk
// supports.
package directory

import (
	"strings"
	"time"
	"unicode/utf8"

	"steward/internal/platform/fault"
)

// Organisation is a customer organisation; users and records belong to one.
type Organisation struct {
	ID        int64
	Name      string
	Domain    string // the email domain of its people, lower case; may be empty
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Category classifies records. Categories form a tree at most two levels
// deep: a top-level category and its subcategories.
type Category struct {
	ID       int64
	ParentID int64 // zero for a top-level category
	Name     string
	Active   bool
	// Path names the category with its parent, as in "Hardware / Laptop".
	Path      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Service is a business or technical service that records can affect.
type Service struct {
	ID             int64
	Name           string
	Description    string
	OwnerGroupID   int64 // zero when no group owns it
	OwnerGroupName string
	Active         bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// OrganisationInput is the input for creating or changing an organisation.
type OrganisationInput struct {
	Name   string
	Domain string
}

func (in *OrganisationInput) validate() error {
	v := &fault.ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	in.Domain = strings.ToLower(strings.TrimSpace(in.Domain))
	checkName(v, in.Name)
	if in.Domain != "" && !plausibleDomain(in.Domain) {
		v.Add("domain", "must be a domain name such as example.com")
	}
	return v.Err()
}

// CategoryInput is the input for creating or changing a category.
type CategoryInput struct {
	ParentID int64 // zero for a top-level category
	Name     string
	// Active defaults to true on create and stays as it is on update when nil.
	Active *bool
}

func (in *CategoryInput) validate() error {
	v := &fault.ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	checkName(v, in.Name)
	if in.ParentID < 0 {
		v.Add("parent_id", "must be a category id")
	}
	return v.Err()
}

// ServiceInput is the input for creating or changing a service.
type ServiceInput struct {
	Name         string
	Description  string
	OwnerGroupID int64 // zero for no owner
	// Active defaults to true on create and stays as it is on update when nil.
	Active *bool
}

func (in *ServiceInput) validate() error {
	v := &fault.ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	checkName(v, in.Name)
	if utf8.RuneCountInString(in.Description) > 2000 {
		v.Add("description", "must be at most 2000 characters")
	}
	if in.OwnerGroupID < 0 {
		v.Add("owner_group_id", "must be a group id")
	}
	return v.Err()
}

func checkName(v *fault.ValidationError, name string) {
	if n := utf8.RuneCountInString(name); n == 0 || n > 100 {
		v.Add("name", "must be 1 to 100 characters")
	}
}

// plausibleDomain accepts lower-case DNS names of two or more labels. It
// refuses IP addresses, since an organisation is matched by email domain.
func plausibleDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
