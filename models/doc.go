// Package models describes the resource types of the Commerce Layer Provisioning API as data.
//
// Every other package is driven by these descriptions: the router registers one route per
// operation a type offers, the body decoder accepts exactly the attributes and relationships
// flagged for create or update, the query parser checks sort, filter, include and fields against
// them, the store derives its schema from them, and the renderer walks them to build documents.
// Adding an attribute to the mock is one line in resources.go.
package models
