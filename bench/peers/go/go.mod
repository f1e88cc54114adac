module touchstone/benchpeers

go 1.19
