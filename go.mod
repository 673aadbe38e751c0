module hermod

go 1.26
