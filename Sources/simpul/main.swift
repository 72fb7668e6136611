print("simpul")
