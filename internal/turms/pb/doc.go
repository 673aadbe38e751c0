// Package pb is the generated Go code of the Turms wire schema in
// proto/turms. Do not edit the .pb.go files: change the schema and run
// go generate.
package pb

//go:generate bash ../../../scripts/genproto.sh
