"""leakyolo.export"""
